-- Principals are identities: an id, a unique name, a role and (for enterprise admins) a
-- tenant. Tokens, signing keys and namespace memberships point at a principal's id, so two
-- principals can never share ownership through a name.
CREATE TABLE principals (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL,
    tenant      TEXT,
    created_at  BIGINT NOT NULL
);

-- One principal per distinct (name, role, tenant) that tokens were issued for. The migrated id
-- is `role.tenant.name`: '.' is not allowed in names, so these ids are distinct. Where several
-- identities shared a name, the operator keeps it, then a maker, then the oldest; the others are
-- renamed `name.role.tenant`, which no valid name can equal, so the operator sees what happened.
INSERT INTO principals (id, name, role, tenant, created_at)
SELECT role || '.' || COALESCE(tenant, '') || '.' || principal,
       CASE WHEN rn = 1 THEN principal ELSE principal || '.' || role || '.' || COALESCE(tenant, '') END,
       role, tenant, first_at
FROM (
    SELECT principal, role, tenant, MIN(created_at) AS first_at,
           ROW_NUMBER() OVER (
               PARTITION BY principal
               ORDER BY CASE role WHEN 'operator' THEN 0 WHEN 'maker' THEN 1 ELSE 2 END,
                        MIN(created_at), COALESCE(tenant, '')
           ) AS rn
    FROM tokens
    GROUP BY principal, role, tenant
) AS identities;

-- Namespace members named before they had a token become makers (membership is for
-- publishing). A member whose name only belongs to a non-maker is dropped below: that
-- name-based membership is exactly what let a same-named tenant admin read pending versions.
INSERT INTO principals (id, name, role, tenant, created_at)
SELECT 'maker..' || m.principal, m.principal, 'maker', NULL, MIN(m.added_at)
FROM namespace_members m
WHERE NOT EXISTS (SELECT 1 FROM principals p WHERE p.name = m.principal)
GROUP BY m.principal;

CREATE TABLE tokens_v3 (
    id            TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    principal_id  TEXT NOT NULL REFERENCES principals (id),
    scopes        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    revoked_at    BIGINT
);
INSERT INTO tokens_v3 (id, token_hash, principal_id, scopes, created_at, expires_at, revoked_at)
SELECT id, token_hash, role || '.' || COALESCE(tenant, '') || '.' || principal, scopes, created_at, expires_at,
       revoked_at
FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_v3 RENAME TO tokens;
CREATE INDEX tokens_principal_id ON tokens (principal_id);

-- Keys were only ever registered by makers, so each maps to its maker identity.
CREATE TABLE signing_keys_v3 (
    id            TEXT PRIMARY KEY,
    principal_id  TEXT NOT NULL REFERENCES principals (id),
    public_key    TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT
);
INSERT INTO signing_keys_v3 (id, principal_id, public_key, name, created_at, revoked_at)
SELECT k.id, p.id, k.public_key, k.name, k.created_at, k.revoked_at
FROM signing_keys k JOIN principals p ON p.id = 'maker..' || k.principal;
DROP TABLE signing_keys;
ALTER TABLE signing_keys_v3 RENAME TO signing_keys;
CREATE INDEX signing_keys_principal_id ON signing_keys (principal_id);

CREATE TABLE namespace_principals (
    namespace     TEXT NOT NULL REFERENCES namespaces (name),
    principal_id  TEXT NOT NULL REFERENCES principals (id),
    added_at      BIGINT NOT NULL,
    PRIMARY KEY (namespace, principal_id)
);
INSERT INTO namespace_principals (namespace, principal_id, added_at)
SELECT m.namespace, p.id, m.added_at
FROM namespace_members m JOIN principals p ON p.id = 'maker..' || m.principal;
DROP TABLE namespace_members;
