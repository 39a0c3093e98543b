-- Native code compiled from a plugin's component by one engine build (its fingerprint): made
-- once, at publish or by the first process that needed it, and kept in the blob store under
-- its own sha256. The hash is recorded here when the code is made; a process deserializes only
-- bytes it read and hashed to this value, so an altered artifact is refused and made again.
CREATE TABLE artifacts (
    component_sha256 TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    artifact_sha256  TEXT NOT NULL,
    size             BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (component_sha256, fingerprint)
);

-- The language a version was written in, read from its component's producers section at
-- publish. Versions published before this migration were read by no one: `unknown`.
ALTER TABLE versions ADD COLUMN language TEXT NOT NULL DEFAULT 'unknown';
