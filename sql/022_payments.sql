-- Top-ups through the payment gateway (issue 13): every payment this platform created, so that a notification is
-- believed only for one of them (and only after the gateway confirms it when asked back).
CREATE TABLE payments (
    id         text        PRIMARY KEY,
    account_id uuid        NOT NULL,
    amount     bigint      NOT NULL CHECK (amount > 0),
    status     text        NOT NULL,
    client_key text        NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (account_id, client_key)
);
