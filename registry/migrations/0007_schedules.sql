-- Schedules: recurring runs of an enablement, by a cron expression read in an IANA time zone.
-- `next_fire_at` (unix ms) is the next tick to fire; NULL while paused or deleted. A deleted
-- schedule keeps its row (`deleted_at`) so its ticks keep their history.
CREATE TABLE schedules (
    id            TEXT PRIMARY KEY,
    tenant        TEXT NOT NULL REFERENCES tenants (id),
    enablement    TEXT NOT NULL REFERENCES enablements (id),
    cron          TEXT NOT NULL,
    zone          TEXT NOT NULL,
    catch_up      TEXT NOT NULL,
    paused        BIGINT NOT NULL,
    next_fire_at  BIGINT,
    last_tick_at  BIGINT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    deleted_at    BIGINT
);
CREATE INDEX schedules_due ON schedules (next_fire_at);
CREATE INDEX schedules_tenant ON schedules (tenant, created_at);

-- One row per firing, keyed by the schedule and the first tick it covers: the firing inserts
-- it in the same transaction that queues the run and moves `next_fire_at` on, so of any number
-- of servers racing for a tick exactly one fires it. A refused run (quota, a disabled
-- enablement) is a row too, with the problem's slug and detail.
CREATE TABLE schedule_ticks (
    schedule   TEXT NOT NULL REFERENCES schedules (id),
    tick       BIGINT NOT NULL,
    tenant     TEXT NOT NULL,
    last_tick  BIGINT NOT NULL,
    ticks      BIGINT NOT NULL,
    outcome    TEXT NOT NULL,
    run        TEXT REFERENCES runs (id),
    problem    TEXT,
    reason     TEXT,
    fired_at   BIGINT NOT NULL,
    PRIMARY KEY (schedule, tick)
);
