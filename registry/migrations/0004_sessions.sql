-- Console sessions. A browser exchanges a token (pasted, or through a one-time sign-in link)
-- for a session: the cookie holds a random secret, stored here only as its sha256, and the
-- session acts with the token it was made from, so revoking the token ends its sessions.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    token_id    TEXT NOT NULL REFERENCES tokens (id),
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    ended_at    BIGINT
);
CREATE INDEX sessions_token ON sessions (token_id);

-- One-time sign-in links: a secret (stored as its sha256) that signs in once, before it
-- expires, as the token that made it.
CREATE TABLE sign_in_links (
    secret_hash TEXT PRIMARY KEY,
    token_id    TEXT NOT NULL REFERENCES tokens (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
