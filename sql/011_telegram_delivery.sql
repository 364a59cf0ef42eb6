-- Delivery of outgoing messages to messaging channels (Telegram). A bot's outgoing queue lives in memory;
-- what makes it survive a silo crash is this flag: an outgoing message is stored awaiting delivery and
-- cleared once the channel accepted it, so a bot re-sends what is still flagged when it is reactivated.

ALTER TABLE dialogs ADD COLUMN IF NOT EXISTS channel_id uuid;
ALTER TABLE dialog_messages ADD COLUMN IF NOT EXISTS awaiting_delivery boolean NOT NULL DEFAULT false;

-- Both are small: only dialogs of channels with an id, only messages not yet accepted by the channel.
CREATE INDEX IF NOT EXISTS dialogs_channel_idx ON dialogs (channel_id) WHERE channel_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS dialog_messages_undelivered_idx ON dialog_messages (dialog_id, seq) WHERE awaiting_delivery;
