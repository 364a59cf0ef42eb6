-- ReplyX domain tables: business accounts (tenants) and the people who sign in.
-- Admins run the platform and belong to no account; owners and operators belong to exactly one.

CREATE TABLE IF NOT EXISTS accounts (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS users (
    id               uuid        PRIMARY KEY,
    account_id       uuid        REFERENCES accounts (id) ON DELETE CASCADE,
    email            text        NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
    normalized_email text        NOT NULL,
    name             text        NOT NULL CHECK (char_length(name) <= 200),
    password_hash    text        NOT NULL,
    role             text        NOT NULL CHECK (role IN ('owner', 'operator', 'admin')),
    blocked          boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_admin_has_no_account CHECK ((role = 'admin') = (account_id IS NULL))
);

CREATE UNIQUE INDEX IF NOT EXISTS users_normalized_email_key ON users (normalized_email);
CREATE INDEX IF NOT EXISTS users_account_id_idx ON users (account_id, created_at);
