-- Dialogs and their messages. Every message is stored here before it is acknowledged; the dialog grain
-- keeps only a bounded recent window in memory.

CREATE TABLE IF NOT EXISTS dialogs (
    id            uuid        PRIMARY KEY,
    account_id    uuid        NOT NULL,
    assistant_id  uuid        NOT NULL,
    channel       text        NOT NULL CHECK (char_length(channel) <= 32),
    external_chat text,
    mode          text        NOT NULL CHECK (mode IN ('ai', 'waiting', 'operator', 'closed')),
    operator_id   uuid,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS dialogs_account_idx ON dialogs (account_id, updated_at DESC);

CREATE TABLE IF NOT EXISTS dialog_messages (
    dialog_id   uuid        NOT NULL REFERENCES dialogs (id) ON DELETE CASCADE,
    seq         bigint      NOT NULL,
    at          timestamptz NOT NULL,
    author      text        NOT NULL CHECK (author IN ('user', 'assistant', 'operator', 'system')),
    text        text        NOT NULL,
    external_id text,
    offline     boolean     NOT NULL DEFAULT false,
    operator_id uuid,
    PRIMARY KEY (dialog_id, seq)
);

CREATE UNIQUE INDEX IF NOT EXISTS dialog_messages_external_key ON dialog_messages (dialog_id, external_id) WHERE external_id IS NOT NULL;
