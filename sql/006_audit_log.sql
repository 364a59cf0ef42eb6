-- Security audit log: sign-ins (successful and failed), role changes, operator invitations, token events.
-- Append-only; read newest first by admins.

CREATE TABLE IF NOT EXISTS audit_log (
    id            uuid        PRIMARY KEY,
    at            timestamptz NOT NULL,
    action        text        NOT NULL CHECK (char_length(action) <= 64),
    actor_user_id uuid,
    account_id    uuid,
    target        text        CHECK (char_length(target) <= 320),
    ip            text        CHECK (char_length(ip) <= 64),
    user_agent    text        CHECK (char_length(user_agent) <= 512),
    details       text        CHECK (char_length(details) <= 2000)
);

CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX IF NOT EXISTS audit_log_account_idx ON audit_log (account_id, at DESC, id DESC);
CREATE INDEX IF NOT EXISTS audit_log_actor_idx ON audit_log (actor_user_id, at DESC, id DESC);
CREATE INDEX IF NOT EXISTS audit_log_action_idx ON audit_log (action, at DESC, id DESC);
