-- What an AI call was for (issue 12): document and question embeddings are metered beside chat answers and
-- priced differently by billing.
ALTER TABLE ai_usage ADD COLUMN IF NOT EXISTS purpose text NOT NULL DEFAULT 'chat';
