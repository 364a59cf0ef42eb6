-- Dialogs own their recovery: a customer's message stored for the AI is flagged until it is answered, and
-- an outgoing message keeps its delivery flag until the dialog has seen the channel's verdict. A single
-- recovery sweep finds dialogs with old flags (their silo died, or their channel refused a message) and
-- wakes them; each dialog then answers, re-delivers or records the refusal itself.

ALTER TABLE dialog_messages ADD COLUMN IF NOT EXISTS awaiting_answer boolean NOT NULL DEFAULT false;
-- Set by the channel's outbox when the channel refused the message for good (the user blocked the bot,
-- Telegram rejected the text); the message stays flagged until its dialog has recorded the refusal.
ALTER TABLE dialog_messages ADD COLUMN IF NOT EXISTS delivery_refused text;

CREATE INDEX IF NOT EXISTS dialog_messages_unanswered_idx ON dialog_messages (dialog_id, seq) WHERE awaiting_answer;
-- The sweep looks for old flags by time.
CREATE INDEX IF NOT EXISTS dialog_messages_flagged_at_idx ON dialog_messages (at) WHERE awaiting_answer OR awaiting_delivery;
