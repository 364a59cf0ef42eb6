-- Refresh tokens: only their SHA-256 hashes are stored. Each sign-in starts a family; every refresh
-- replaces the presented token with a new one of the same family. A replaced token that comes back is
-- treated as stolen and revokes the whole family.

CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash  bytea       PRIMARY KEY,
    family_id   uuid        NOT NULL,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    replaced_at timestamptz,
    revoked_at  timestamptz
);

CREATE INDEX IF NOT EXISTS refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX IF NOT EXISTS refresh_tokens_user_idx ON refresh_tokens (user_id);
