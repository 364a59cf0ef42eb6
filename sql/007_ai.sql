-- AI provider keys (encrypted with Data Protection, never returned by the API) and the usage record of
-- every AI call, the basis of billing and analytics.

CREATE TABLE IF NOT EXISTS ai_tokens (
    id             uuid        PRIMARY KEY,
    provider       text        NOT NULL CHECK (provider IN ('openai', 'yandexgpt', 'gigachat', 'anthropic', 'custom')),
    base_url       text,
    models         text[]      NOT NULL DEFAULT '{}',
    priority       integer     NOT NULL DEFAULT 100,
    rpm            integer     CHECK (rpm > 0),
    tokens_per_day bigint      CHECK (tokens_per_day > 0),
    enabled        boolean     NOT NULL DEFAULT true,
    folder_id      text,
    scope          text,
    proxy_url      text,
    auth_url       text,
    encrypted_key  text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS ai_usage (
    id                uuid        PRIMARY KEY,
    at                timestamptz NOT NULL,
    account_id        uuid,
    token_id          uuid,
    provider          text        NOT NULL,
    model             text        NOT NULL,
    prompt_tokens     integer     NOT NULL DEFAULT 0,
    completion_tokens integer     NOT NULL DEFAULT 0,
    latency_ms        integer     NOT NULL,
    outcome           text        NOT NULL
);

CREATE INDEX IF NOT EXISTS ai_usage_account_idx ON ai_usage (account_id, at);
CREATE INDEX IF NOT EXISTS ai_usage_token_idx ON ai_usage (token_id, at);
