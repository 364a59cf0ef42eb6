-- Promo codes (issue 13): an amount in micro-roubles, a number of uses and an expiry; each account redeems a code
-- once. A redemption takes a use and records the account in one transaction under the code's row lock; the
-- credit itself is a ledger movement keyed 'promo:<CODE>' per account, applied once whoever retries.
CREATE TABLE promo_codes (
    code       text        PRIMARY KEY,
    amount     bigint      NOT NULL CHECK (amount > 0),
    max_uses   int         NOT NULL CHECK (max_uses > 0),
    uses       int         NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
    expires_at timestamptz,
    created_by uuid,
    created_at timestamptz NOT NULL
);

CREATE TABLE promo_redemptions (
    code       text        NOT NULL REFERENCES promo_codes (code),
    account_id uuid        NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (code, account_id)
);
