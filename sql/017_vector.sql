-- pgvector, where the server has it (Debian 12 packages none: there the vectors stay real[] and silos search
-- them exactly in memory). With it, knowledge_vectors gets an HNSW index per dimension, made by the store on
-- first use (an expression index over embedding::vector(N)).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
        CREATE EXTENSION IF NOT EXISTS vector;
    END IF;
END
$$;
