-- Operators' private notes on a dialog: never sent to the customer, never shown to the model.

CREATE TABLE IF NOT EXISTS dialog_notes (
    id         uuid        PRIMARY KEY,
    dialog_id  uuid        NOT NULL REFERENCES dialogs (id) ON DELETE CASCADE,
    author_id  uuid        NOT NULL,
    text       text        NOT NULL CHECK (char_length(text) <= 4000),
    at         timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS dialog_notes_dialog_idx ON dialog_notes (dialog_id, at);
