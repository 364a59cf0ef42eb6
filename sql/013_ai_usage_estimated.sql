-- A call whose provider reported no usage is metered with ReplyX's estimate; the flag tells such rows apart
-- (billing may want to treat them differently).
ALTER TABLE ai_usage ADD COLUMN IF NOT EXISTS tokens_estimated boolean NOT NULL DEFAULT false;
