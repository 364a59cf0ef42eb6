-- ASP.NET Core Data Protection key ring, shared by every silo and API node so a secret encrypted on one
-- node (a bot token, a provider key) decrypts on any other.

CREATE TABLE IF NOT EXISTS data_protection_keys (
    friendly_name text        PRIMARY KEY,
    xml           text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
