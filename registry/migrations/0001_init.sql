-- Kiln registry schema, portable across SQLite and PostgreSQL. Times are unix milliseconds;
-- hashes and keys are hex text; booleans are 0/1 integers.
CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    principal   TEXT NOT NULL,
    role        TEXT NOT NULL,
    tenant      TEXT,
    scopes      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX tokens_principal ON tokens (principal);

CREATE TABLE namespaces (
    name        TEXT PRIMARY KEY,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE namespace_members (
    namespace   TEXT NOT NULL REFERENCES namespaces (name),
    principal   TEXT NOT NULL,
    added_at    BIGINT NOT NULL,
    PRIMARY KEY (namespace, principal)
);

CREATE TABLE signing_keys (
    id          TEXT PRIMARY KEY,
    principal   TEXT NOT NULL,
    public_key  TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE plugins (
    namespace        TEXT NOT NULL REFERENCES namespaces (name),
    name             TEXT NOT NULL,
    description      TEXT NOT NULL,
    categories       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    taken_down_at    BIGINT,
    takedown_reason  TEXT,
    PRIMARY KEY (namespace, name)
);

CREATE TABLE versions (
    namespace        TEXT NOT NULL,
    name             TEXT NOT NULL,
    version          TEXT NOT NULL,
    sha256           TEXT NOT NULL,
    size             BIGINT NOT NULL,
    manifest         TEXT NOT NULL,
    describe         TEXT NOT NULL,
    signature        TEXT NOT NULL,
    key_id           TEXT NOT NULL,
    status           TEXT NOT NULL,
    status_reason    TEXT,
    yanked           BIGINT NOT NULL,
    taken_down_at    BIGINT,
    takedown_reason  TEXT,
    published_by     TEXT NOT NULL,
    published_at     BIGINT NOT NULL,
    reviewed_by      TEXT,
    reviewed_at      BIGINT,
    PRIMARY KEY (namespace, name, version),
    FOREIGN KEY (namespace, name) REFERENCES plugins (namespace, name)
);
CREATE INDEX versions_status ON versions (status);

CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    details    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

-- One row: the chain's head. Every audited transaction updates it first, which takes the write
-- lock (SQLite) or the row lock (PostgreSQL) and so serializes appends to the chain.
CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
