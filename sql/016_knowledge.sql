-- Knowledge base (issue 12): documents, their files and versions, chunks with full text and trigram indexes,
-- vectors as real[] (searched exactly in memory when the vector extension is missing), and the sources an
-- answer cites, stored with its message.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE dialog_messages ADD COLUMN IF NOT EXISTS sources jsonb;

CREATE TABLE knowledge_documents (
    id              uuid PRIMARY KEY,
    account_id      uuid        NOT NULL,
    assistant_id    uuid        NOT NULL,
    file_name       text        NOT NULL,
    format          text        NOT NULL,
    size_bytes      bigint      NOT NULL,
    status          text        NOT NULL,
    error           text,
    chunks_done     int         NOT NULL DEFAULT 0,
    chunks_total    int         NOT NULL DEFAULT 0,
    pages           int         NOT NULL DEFAULT 0,
    language        text,
    enabled         boolean     NOT NULL DEFAULT true,
    version         int         NOT NULL,
    active_version  int         NOT NULL DEFAULT 0,
    embedding_model text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX knowledge_documents_assistant ON knowledge_documents (assistant_id, created_at, id);
CREATE INDEX knowledge_documents_processing ON knowledge_documents (updated_at) WHERE status = 'processing';

CREATE TABLE knowledge_files (
    document_id uuid  NOT NULL REFERENCES knowledge_documents (id) ON DELETE CASCADE,
    version     int   NOT NULL,
    content     bytea NOT NULL,
    PRIMARY KEY (document_id, version)
);

CREATE TABLE knowledge_chunks (
    document_id  uuid     NOT NULL REFERENCES knowledge_documents (id) ON DELETE CASCADE,
    version      int      NOT NULL,
    position     int      NOT NULL,
    assistant_id uuid     NOT NULL,
    language     text     NOT NULL,
    heading      text,
    page         int,
    text         text     NOT NULL,
    search_text  text     NOT NULL,
    tokens       int      NOT NULL,
    tsv          tsvector NOT NULL,
    PRIMARY KEY (document_id, version, position)
);
CREATE INDEX knowledge_chunks_assistant ON knowledge_chunks (assistant_id);
CREATE INDEX knowledge_chunks_tsv ON knowledge_chunks USING gin (tsv);
CREATE INDEX knowledge_chunks_trgm ON knowledge_chunks USING gin (search_text gin_trgm_ops);

CREATE TABLE knowledge_vectors (
    document_id uuid   NOT NULL REFERENCES knowledge_documents (id) ON DELETE CASCADE,
    version     int    NOT NULL,
    position    int    NOT NULL,
    model       text   NOT NULL,
    embedding   real[] NOT NULL,
    PRIMARY KEY (document_id, version, model, position)
);

-- Moves whenever what an assistant's search sees changes (activation, enable/disable, delete): silos compare
-- it with the vectors they hold.
CREATE TABLE knowledge_stamps (
    assistant_id uuid   PRIMARY KEY,
    stamp        bigint NOT NULL
);
