-- Assistants: an account's AI configuration (prompt, model, provider chain, handoff rules, widget settings).
-- Settings are one JSON document: they change shape often and are always read whole.

CREATE TABLE IF NOT EXISTS assistants (
    id         uuid        PRIMARY KEY,
    account_id uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    settings   jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS assistants_account_idx ON assistants (account_id, created_at);
