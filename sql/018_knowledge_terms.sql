-- Trigram search through each assistant's vocabulary (the word_similarity scan of every chunk cost O(the
-- assistant's chunks): about 1 s at 10,000). A query word is matched against the distinct words of one
-- assistant (knowledge_terms, a trigram index), and the chunks holding the matched words are found by an index
-- over each chunk's words (knowledge_chunks.words).
--
-- Words: the lexemes of to_tsvector('simple', ...) (lower-cased, not stemmed) of 3 to 64 letters or digits.
CREATE FUNCTION knowledge_words(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(array_agg(w ORDER BY w), '{}')
    FROM unnest(tsvector_to_array(to_tsvector('simple'::regconfig, $1))) AS w
    WHERE w ~ '^[[:alnum:]]{3,64}$'
$$;

-- Back-fills every existing chunk (the table is rewritten).
ALTER TABLE knowledge_chunks ADD COLUMN words text[] GENERATED ALWAYS AS (knowledge_words(search_text)) STORED;

-- The distinct words of an assistant's stored chunks, each with the number of document versions whose chunks
-- hold it: the store adds a version's words when it saves its chunks and takes them away when it drops them
-- (a replaced version at activation, a deleted document), and a word no version holds any more is deleted.
-- Words of disabled documents and of versions not yet active stay: search joins the searchable chunks.
CREATE TABLE knowledge_terms (
    assistant_id uuid NOT NULL,
    term         text NOT NULL,
    refs         int  NOT NULL,
    PRIMARY KEY (assistant_id, term)
);
-- Rows whose count fell to zero, found without reading the assistant's whole vocabulary.
CREATE INDEX knowledge_terms_unused ON knowledge_terms (assistant_id) WHERE refs <= 0;

INSERT INTO knowledge_terms (assistant_id, term, refs)
SELECT c.assistant_id, w, count(DISTINCT (c.document_id, c.version))
FROM knowledge_chunks c, unnest(c.words) AS w
GROUP BY c.assistant_id, w;

-- With btree_gin (PostgreSQL's contrib, as pg_trgm), one GIN index holds the assistant and the trigrams (or the
-- words), so a search reads only its own assistant's entries. Without it (a server that lists it but cannot
-- create it, as PGlite unless its JavaScript loads it, or that has none), plain GIN indexes filtered by
-- assistant afterwards: the same answers.
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS btree_gin;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'btree_gin is not available (%): plain GIN indexes', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN
        CREATE INDEX knowledge_terms_trgm ON knowledge_terms USING gin (assistant_id, term gin_trgm_ops);
        CREATE INDEX knowledge_chunks_words ON knowledge_chunks USING gin (assistant_id, words);
    ELSE
        CREATE INDEX knowledge_terms_trgm ON knowledge_terms USING gin (term gin_trgm_ops);
        CREATE INDEX knowledge_chunks_words ON knowledge_chunks USING gin (words);
    END IF;
END
$$;

-- The trigram index over whole chunk texts served only the scan this replaces; it made every insert costly.
DROP INDEX IF EXISTS knowledge_chunks_trgm;
