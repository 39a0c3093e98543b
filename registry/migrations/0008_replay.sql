-- Reproducible runs. Each run pins what its guest may observe besides its data and parameters:
-- the seed of its random sources and the start of its virtual clocks (unix ms). Runs recorded
-- before this migration ran on the host's real clock and an unrecorded seed: they take seed 0
-- and their submission time, which replays them exactly when they read neither.
ALTER TABLE runs ADD COLUMN seed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN clock_start BIGINT NOT NULL DEFAULT 0;
UPDATE runs SET clock_start = created_at;
-- A replay names the run it re-executes and the output that run recorded; when it finishes,
-- `verdict` (JSON) says whether its output was identical or where it first differed.
ALTER TABLE runs ADD COLUMN replay_of TEXT;
ALTER TABLE runs ADD COLUMN expected_sha256 TEXT;
ALTER TABLE runs ADD COLUMN verdict TEXT;
-- sha256 over everything the run pinned and the output it produced, also written to the audit
-- chain (`run.finish`) when it finished.
ALTER TABLE runs ADD COLUMN provenance TEXT;
CREATE INDEX runs_replay_of ON runs (replay_of);

-- An operator's purge removes a dataset version's blob for good (deleting only hides it);
-- the row stays, so a replay can say what was purged, when, by whom and why.
ALTER TABLE datasets ADD COLUMN purged_at BIGINT;
ALTER TABLE datasets ADD COLUMN purged_by TEXT;
ALTER TABLE datasets ADD COLUMN purge_reason TEXT;

-- A tenant's explicit share of one run's bundle with the maker of the plugin it ran: the
-- plugin's namespace, held by identity (its owner principal), not by a name the maker gives.
CREATE TABLE run_shares (
    run        TEXT NOT NULL REFERENCES runs (id),
    tenant     TEXT NOT NULL,
    namespace  TEXT NOT NULL,
    shared_by  TEXT NOT NULL,
    shared_at  BIGINT NOT NULL,
    PRIMARY KEY (run, namespace)
);
