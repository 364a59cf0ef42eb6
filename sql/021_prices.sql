-- Prices (issue 13): micro-roubles per unit, or per 1,000 tokens for ai_tokens_in/out and embedding; model ''
-- is the price for every model without its own. Rows are only added: a price change is a new row effective
-- from its time, so past usage keeps what it was charged. Seeded with the original product's prices.
CREATE TABLE service_prices (
    service        text        NOT NULL,
    model          text        NOT NULL DEFAULT '',
    price          bigint      NOT NULL CHECK (price >= 0),
    effective_from timestamptz NOT NULL,
    set_by         uuid,
    PRIMARY KEY (service, model, effective_from)
);
INSERT INTO service_prices (service, model, price, effective_from) VALUES
    ('ai_message', '', 1000, 'epoch'),
    ('ai_tokens_in', '', 0, 'epoch'),
    ('ai_tokens_out', '', 0, 'epoch'),
    ('document_upload', '', 100000, 'epoch'),
    ('bot_message', '', 1000, 'epoch'),
    ('embedding', '', 100, 'epoch');
