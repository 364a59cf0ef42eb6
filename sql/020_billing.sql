-- Billing (issue 13): one balance row per account and its ledger. Amounts are integer micro-roubles
-- (1 RUB = 1,000,000), signed: charges and refunds negative. A movement's idempotency key is unique per
-- account; a row and the balance it leaves are written in one transaction, under the balance row's lock.
CREATE TABLE account_balances (
    account_id    uuid        PRIMARY KEY,
    balance       bigint      NOT NULL DEFAULT 0,
    low_threshold bigint      NOT NULL DEFAULT 0,
    daily_cap     bigint,
    spent_day     date        NOT NULL DEFAULT CURRENT_DATE,
    spent_on_day  bigint      NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (daily_cap IS NULL OR daily_cap >= 0),
    CHECK (low_threshold >= 0)
);

CREATE TABLE balance_transactions (
    id              bigserial   PRIMARY KEY,
    account_id      uuid        NOT NULL,
    amount          bigint      NOT NULL CHECK (amount <> 0),
    kind            text        NOT NULL,
    service         text,
    reference       text,
    idempotency_key text        NOT NULL,
    balance_after   bigint      NOT NULL,
    reason          text,
    at              timestamptz NOT NULL,
    UNIQUE (account_id, idempotency_key)
);
CREATE INDEX balance_transactions_account ON balance_transactions (account_id, id DESC);
CREATE INDEX balance_transactions_spend ON balance_transactions (account_id, at) WHERE kind = 'charge';
