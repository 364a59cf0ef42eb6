-- Dialog lists for owners and operators: where a widget dialog came from, the visitor's rating, and what
-- the list filters need (per account by status, and text search over messages).

ALTER TABLE dialogs ADD COLUMN IF NOT EXISTS origin text CHECK (char_length(origin) <= 300);
ALTER TABLE dialogs ADD COLUMN IF NOT EXISTS rating_score smallint CHECK (rating_score BETWEEN 1 AND 5);
ALTER TABLE dialogs ADD COLUMN IF NOT EXISTS rating_comment text CHECK (char_length(rating_comment) <= 2000);
ALTER TABLE dialogs ADD COLUMN IF NOT EXISTS rated_at timestamptz;

CREATE INDEX IF NOT EXISTS dialogs_account_mode_idx ON dialogs (account_id, mode, updated_at DESC, id DESC);
DROP INDEX IF EXISTS dialogs_account_idx;
CREATE INDEX IF NOT EXISTS dialogs_account_updated_idx ON dialogs (account_id, updated_at DESC, id DESC);
