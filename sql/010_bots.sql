-- Telegram bots connected to accounts. The token is kept encrypted in the bot grain's state, not here;
-- one Telegram bot can be connected once (two pollers of one token fight with 409s).

CREATE TABLE IF NOT EXISTS bots (
    id           uuid        PRIMARY KEY,
    account_id   uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    assistant_id uuid        NOT NULL,
    telegram_id  bigint      NOT NULL,
    username     text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS bots_telegram_id_key ON bots (telegram_id);
CREATE INDEX IF NOT EXISTS bots_account_idx ON bots (account_id, created_at);
