-- Identity and access (issue 16): organizations, the people who sign in with OpenID Connect,
-- their web sessions, invitations, guest links and embedding apps.
--
-- What is kept about a person: the provider and its subject (the key), a name, a verified email
-- and a language hint. No picture, no raw claim, no ID or refresh token, no password.
-- Bearer secrets (session cookies, invitation and guest-link tokens) are kept only as their
-- SHA-256 (`id_hash`): the raw value exists only in the cookie or the link.

CREATE TABLE organizations (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    -- 'default' | 'entra' | 'google' | 'invitation'
    source       TEXT NOT NULL,
    -- 'entra:<tenant id>' or 'google:<hosted domain>'; NULL for the others.
    external_key TEXT UNIQUE,
    -- 'all': every member may host; 'listed': only facilitators and admins.
    facilitators TEXT NOT NULL DEFAULT 'all',
    created_at   INTEGER NOT NULL
);

-- The default organization: the server's API key (its first embedding app) and --dev guests.
INSERT INTO organizations (id, name, source, external_key, facilitators, created_at)
VALUES ('default', 'Default', 'default', NULL, 'all', 0);

CREATE TABLE users (
    id         TEXT PRIMARY KEY NOT NULL,
    provider   TEXT NOT NULL,
    -- Entra: '<tid>:<oid>'; others: the ID token's `sub`.
    subject    TEXT NOT NULL,
    name       TEXT NOT NULL,
    email      TEXT,
    language   TEXT,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    -- 'member' | 'facilitator' | 'admin'
    role       TEXT NOT NULL DEFAULT 'member',
    created_at INTEGER NOT NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX users_by_org ON users (org_id);

CREATE TABLE web_sessions (
    id_hash      TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions (user_id);

CREATE TABLE invitations (
    id         TEXT PRIMARY KEY NOT NULL,
    id_hash    TEXT NOT NULL UNIQUE,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role       TEXT NOT NULL DEFAULT 'member',
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE guest_links (
    id         TEXT PRIMARY KEY NOT NULL,
    id_hash    TEXT NOT NULL UNIQUE,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    room_code  TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX guest_links_by_room ON guest_links (room_code);

CREATE TABLE apps (
    id              TEXT PRIMARY KEY NOT NULL,
    org_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    -- JSON array of allowed browser origins.
    origins         TEXT NOT NULL DEFAULT '[]',
    -- 'HS256' | 'ES256' | 'EdDSA'
    alg             TEXT NOT NULL,
    -- HS256 shared secret (it must be kept to verify), or NULL.
    secret          TEXT,
    -- PEM public key, or NULL.
    public_key      TEXT,
    jwks_url        TEXT,
    disabled        INTEGER NOT NULL DEFAULT 0,
    max_connections INTEGER,
    max_rooms       INTEGER,
    created_at      INTEGER NOT NULL
);

CREATE TABLE revoked_tokens (
    app_id     TEXT NOT NULL,
    jti        TEXT NOT NULL,
    -- When the token expires anyway; the row may be dropped after.
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, jti)
);

-- Which organization a session was held in. Sessions stored before organizations existed were
-- all held under the server's API key: the default organization.
ALTER TABLE sessions ADD COLUMN org_id TEXT NOT NULL DEFAULT 'default';
CREATE INDEX sessions_by_org ON sessions (org_id, started_at);
