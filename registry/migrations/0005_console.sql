-- What the console's operator pages read: the names of places and industries, learned from
-- imports; each version's imports, recorded at publish; indexes for filtering the audit log.

-- A district, park or industry by id, with its Chinese and English names. Reference data, not
-- indicators: names are shown wherever the id would be.
CREATE TABLE places (
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
);
-- `none` is the registry's own word for "in no park".
INSERT INTO places (kind, id, name_zh, name_en, updated_at) VALUES ('park', 'none', '园区外', 'Outside industrial parks', 0);

-- The component's imports as a JSON list of names; NULL for versions published before this
-- migration (their bytes were never re-read).
ALTER TABLE versions ADD COLUMN imports TEXT;

CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_at ON audit_log (at);
