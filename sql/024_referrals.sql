-- Referrals (issue 13): an account registered with another's referral code; the referrer's bonus is a ledger
-- movement keyed by the referee ('referral:<id>'), paid once at the referee's first successful top-up.
CREATE TABLE referrals (
    referee_account  uuid        PRIMARY KEY,
    referrer_account uuid        NOT NULL,
    linked_at        timestamptz NOT NULL,
    CHECK (referee_account <> referrer_account)
);
CREATE INDEX referrals_referrer ON referrals (referrer_account);
