-- The enterprise platform: tenants, their datasets, enablements of plugins, runs (which are
-- also the job queue) and the monthly reports the regional rollups read.

CREATE TABLE tenants (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    district              TEXT NOT NULL,
    park                  TEXT NOT NULL,
    industry              TEXT NOT NULL,
    size_class            TEXT NOT NULL,
    opted_in              BIGINT NOT NULL,
    max_active_runs       BIGINT NOT NULL,
    cpu_ms_per_day        BIGINT NOT NULL,
    storage_bytes         BIGINT NOT NULL,
    created_at            BIGINT NOT NULL
);
CREATE INDEX tenants_place ON tenants (district, park, industry);

CREATE TABLE datasets (
    tenant      TEXT NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    bytes       BIGINT NOT NULL,
    rows_count  BIGINT NOT NULL,
    columns     TEXT NOT NULL,
    format      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    deleted_at  BIGINT,
    PRIMARY KEY (tenant, name, version)
);

CREATE TABLE enablements (
    id           TEXT PRIMARY KEY,
    tenant       TEXT NOT NULL REFERENCES tenants (id),
    namespace    TEXT NOT NULL,
    plugin       TEXT NOT NULL,
    requirement  TEXT NOT NULL,
    version      TEXT NOT NULL,
    grants       TEXT NOT NULL,
    params       TEXT NOT NULL,
    limits       TEXT NOT NULL,
    status       TEXT NOT NULL,
    status_reason TEXT,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX enablements_version ON enablements (namespace, plugin, version);
CREATE INDEX enablements_tenant ON enablements (tenant);

-- A run is its own queue entry: `queued` rows are claimed by workers, which hold a lease
-- (`lease_until`) and finish only if `attempt` is still theirs, so a run is recorded once
-- even when a lost worker's job is executed again.
CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    tenant        TEXT NOT NULL REFERENCES tenants (id),
    enablement    TEXT NOT NULL REFERENCES enablements (id),
    namespace     TEXT NOT NULL,
    plugin        TEXT NOT NULL,
    version       TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    datasets      TEXT NOT NULL,
    params        TEXT NOT NULL,
    limits        TEXT NOT NULL,
    mode          TEXT NOT NULL,
    state         TEXT NOT NULL,
    attempt       BIGINT NOT NULL,
    lease_owner   TEXT,
    lease_until   BIGINT,
    cancel_requested BIGINT NOT NULL,
    error_kind    TEXT,
    error         TEXT,
    usage         TEXT,
    log           TEXT,
    output_sha256 TEXT,
    cpu_ms        BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    started_at    BIGINT,
    finished_at   BIGINT
);
CREATE INDEX runs_queue ON runs (state, created_at);
CREATE INDEX runs_tenant ON runs (tenant, created_at);

-- Which dataset versions a run reads: a dataset in use by an unfinished run is not deleted.
CREATE TABLE run_datasets (
    run      TEXT NOT NULL REFERENCES runs (id),
    tenant   TEXT NOT NULL,
    dataset  TEXT NOT NULL,
    version  BIGINT NOT NULL,
    PRIMARY KEY (run, dataset)
);
CREATE INDEX run_datasets_dataset ON run_datasets (tenant, dataset);

-- Each tenant's latest monthly report, replaced whenever it uploads `monthly_indicators`.
CREATE TABLE monthly_reports (
    tenant           TEXT NOT NULL REFERENCES tenants (id),
    month            TEXT NOT NULL,
    output_value     DOUBLE PRECISION NOT NULL,
    energy_tce       DOUBLE PRECISION NOT NULL,
    electricity_kwh  DOUBLE PRECISION NOT NULL,
    employees        BIGINT NOT NULL,
    dataset_version  BIGINT NOT NULL,
    PRIMARY KEY (tenant, month)
);
CREATE INDEX monthly_reports_month ON monthly_reports (month);
