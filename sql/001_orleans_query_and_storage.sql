-- 001_orleans_query_and_storage.sql
--
-- Orleans ADO.NET grain persistence (Microsoft.Orleans.Persistence.AdoNet 10.x) on PostgreSQL 15+.
-- Creates the query table the Orleans providers read at silo start-up (orleansquery), the grain
-- state table (orleans_storage), the PL/pgSQL functions behind each storage operation, and the
-- query rows WriteToStorageKey, ReadFromStorageKey, ClearStorageKey and DeleteStorageKey.
-- See /work/shared/design/ORLEANS-ADONET.md for the contract these objects implement.
--
-- Re-runnable: every statement is idempotent, so the script can be applied again to a database
-- that already has it. Query texts are cached by the silos, so restart them after a text changes.
--
-- Notes on the contract:
--   * A record is identified by (service_id, grain_type_string, grain_id_n0, grain_id_n1,
--     grain_id_extension_string); a NULL extension matches a NULL extension. The hashes sent by
--     Orleans are stored for reference only and are never used to find a record, so changing the
--     Orleans hasher does not orphan existing records.
--   * version is the grain ETag. Each successful write, clear or delete returns a new value;
--     a conflict is reported as a NULL value (always exactly one row).
--   * A cleared record keeps its row and version with a NULL payload, and reads still return it.
--   * The functions run with plan_cache_mode = force_custom_plan so that the NULL-or-equal test on
--     the extension column is always resolved at plan time and the lookup uses all five columns
--     of the unique index (a generic plan would scan every string-keyed record of a state name).

CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  text NOT NULL PRIMARY KEY,
    querytext text NOT NULL
);

CREATE TABLE IF NOT EXISTS orleans_storage
(
    service_id                text        NOT NULL,
    grain_type_string         text        NOT NULL,
    grain_id_n0               bigint      NOT NULL,
    grain_id_n1               bigint      NOT NULL,
    grain_id_extension_string text        NULL,
    grain_id_hash             integer     NOT NULL,
    grain_type_hash           integer     NOT NULL,
    payload_binary            bytea       NULL,
    version                   integer     NOT NULL,
    modified_on               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orleans_storage_identity_key UNIQUE NULLS NOT DISTINCT
        (service_id, grain_type_string, grain_id_n0, grain_id_n1, grain_id_extension_string)
);

-- ReadFromStorageKey: zero or one row (payload may be NULL for a cleared record).
CREATE OR REPLACE FUNCTION orleans_storage_read(
    p_service_id                text,
    p_grain_type_string         text,
    p_grain_id_n0               bigint,
    p_grain_id_n1               bigint,
    p_grain_id_extension_string text)
RETURNS SETOF orleans_storage
LANGUAGE plpgsql
STABLE
SET plan_cache_mode = force_custom_plan
AS $function$
BEGIN
    RETURN QUERY
    SELECT s.*
    FROM orleans_storage AS s
    WHERE s.service_id = p_service_id
      AND s.grain_type_string = p_grain_type_string
      AND s.grain_id_n0 = p_grain_id_n0
      AND s.grain_id_n1 = p_grain_id_n1
      AND (s.grain_id_extension_string = p_grain_id_extension_string
           OR (s.grain_id_extension_string IS NULL AND p_grain_id_extension_string IS NULL));
END;
$function$;

-- WriteToStorageKey: returns the new version, or NULL on a version conflict.
--   p_grain_state_version NULL     -> insert with version 1 only if no record exists (a record that
--                                     already exists, or a concurrent insert, gives NULL).
--   p_grain_state_version not NULL -> overwrite and bump only if the stored version matches.
CREATE OR REPLACE FUNCTION orleans_storage_write(
    p_service_id                text,
    p_grain_type_string         text,
    p_grain_id_n0               bigint,
    p_grain_id_n1               bigint,
    p_grain_id_extension_string text,
    p_grain_id_hash             integer,
    p_grain_type_hash           integer,
    p_grain_state_version       integer,
    p_payload_binary            bytea)
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SET plan_cache_mode = force_custom_plan
AS $function$
DECLARE
    v_new_version integer;
BEGIN
    IF p_grain_state_version IS NULL THEN
        INSERT INTO orleans_storage AS s
            (service_id, grain_type_string, grain_id_n0, grain_id_n1, grain_id_extension_string,
             grain_id_hash, grain_type_hash, payload_binary, version, modified_on)
        VALUES
            (p_service_id, p_grain_type_string, p_grain_id_n0, p_grain_id_n1, p_grain_id_extension_string,
             p_grain_id_hash, p_grain_type_hash, p_payload_binary, 1, now())
        ON CONFLICT ON CONSTRAINT orleans_storage_identity_key DO NOTHING
        RETURNING s.version INTO v_new_version;
    ELSE
        UPDATE orleans_storage AS s
        SET payload_binary  = p_payload_binary,
            version         = s.version + 1,
            grain_id_hash   = p_grain_id_hash,
            grain_type_hash = p_grain_type_hash,
            modified_on     = now()
        WHERE s.service_id = p_service_id
          AND s.grain_type_string = p_grain_type_string
          AND s.grain_id_n0 = p_grain_id_n0
          AND s.grain_id_n1 = p_grain_id_n1
          AND (s.grain_id_extension_string = p_grain_id_extension_string
               OR (s.grain_id_extension_string IS NULL AND p_grain_id_extension_string IS NULL))
          AND s.version = p_grain_state_version
        RETURNING s.version INTO v_new_version;
    END IF;

    RETURN v_new_version; -- NULL when nothing was inserted or updated: a conflict
END;
$function$;

-- ClearStorageKey: keeps the record, sets the payload to NULL and bumps the version when the
-- stored version matches. Returns the new version, or NULL on a conflict.
CREATE OR REPLACE FUNCTION orleans_storage_clear(
    p_service_id                text,
    p_grain_type_string         text,
    p_grain_id_n0               bigint,
    p_grain_id_n1               bigint,
    p_grain_id_extension_string text,
    p_grain_state_version       integer)
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SET plan_cache_mode = force_custom_plan
AS $function$
DECLARE
    v_new_version integer;
BEGIN
    UPDATE orleans_storage AS s
    SET payload_binary = NULL,
        version        = s.version + 1,
        modified_on    = now()
    WHERE s.service_id = p_service_id
      AND s.grain_type_string = p_grain_type_string
      AND s.grain_id_n0 = p_grain_id_n0
      AND s.grain_id_n1 = p_grain_id_n1
      AND (s.grain_id_extension_string = p_grain_id_extension_string
           OR (s.grain_id_extension_string IS NULL AND p_grain_id_extension_string IS NULL))
      AND s.version = p_grain_state_version
    RETURNING s.version INTO v_new_version;

    RETURN v_new_version;
END;
$function$;

-- DeleteStorageKey (DeleteStateOnClear = true): removes the record when the stored version
-- matches. Returns old version + 1 (a value different from the caller's ETag), or NULL on a conflict.
CREATE OR REPLACE FUNCTION orleans_storage_delete(
    p_service_id                text,
    p_grain_type_string         text,
    p_grain_id_n0               bigint,
    p_grain_id_n1               bigint,
    p_grain_id_extension_string text,
    p_grain_state_version       integer)
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SET plan_cache_mode = force_custom_plan
AS $function$
DECLARE
    v_new_version integer;
BEGIN
    DELETE FROM orleans_storage AS s
    WHERE s.service_id = p_service_id
      AND s.grain_type_string = p_grain_type_string
      AND s.grain_id_n0 = p_grain_id_n0
      AND s.grain_id_n1 = p_grain_id_n1
      AND (s.grain_id_extension_string = p_grain_id_extension_string
           OR (s.grain_id_extension_string IS NULL AND p_grain_id_extension_string IS NULL))
      AND s.version = p_grain_state_version
    RETURNING s.version + 1 INTO v_new_version;

    RETURN v_new_version;
END;
$function$;

-- Query texts read by the persistence provider. Orleans binds named parameters (@Name) that
-- Npgsql rewrites to $n; parameters a text does not mention are simply not sent.
-- Result columns are read by name (PayloadBinary, Version, NewGrainStateVersion), except clear
-- and delete, which read column 0 by position.
-- The WHERE clause of the upsert leaves unchanged rows untouched, so a re-run changes nothing.
INSERT INTO orleansquery (querykey, querytext)
VALUES
(
    'ReadFromStorageKey',
    $query$SELECT r.payload_binary AS "PayloadBinary", r.version AS "Version"
FROM orleans_storage_read(
    p_service_id => @ServiceId,
    p_grain_type_string => @GrainTypeString,
    p_grain_id_n0 => @GrainIdN0,
    p_grain_id_n1 => @GrainIdN1,
    p_grain_id_extension_string => @GrainIdExtensionString) AS r$query$
),
(
    'WriteToStorageKey',
    $query$SELECT orleans_storage_write(
    p_service_id => @ServiceId,
    p_grain_type_string => @GrainTypeString,
    p_grain_id_n0 => @GrainIdN0,
    p_grain_id_n1 => @GrainIdN1,
    p_grain_id_extension_string => @GrainIdExtensionString,
    p_grain_id_hash => @GrainIdHash,
    p_grain_type_hash => @GrainTypeHash,
    p_grain_state_version => @GrainStateVersion,
    p_payload_binary => @PayloadBinary) AS "NewGrainStateVersion"$query$
),
(
    'ClearStorageKey',
    $query$SELECT orleans_storage_clear(
    p_service_id => @ServiceId,
    p_grain_type_string => @GrainTypeString,
    p_grain_id_n0 => @GrainIdN0,
    p_grain_id_n1 => @GrainIdN1,
    p_grain_id_extension_string => @GrainIdExtensionString,
    p_grain_state_version => @GrainStateVersion) AS "NewGrainStateVersion"$query$
),
(
    'DeleteStorageKey',
    $query$SELECT orleans_storage_delete(
    p_service_id => @ServiceId,
    p_grain_type_string => @GrainTypeString,
    p_grain_id_n0 => @GrainIdN0,
    p_grain_id_n1 => @GrainIdN1,
    p_grain_id_extension_string => @GrainIdExtensionString,
    p_grain_state_version => @GrainStateVersion) AS "NewGrainStateVersion"$query$
)
ON CONFLICT (querykey) DO UPDATE
SET querytext = excluded.querytext
WHERE orleansquery.querytext IS DISTINCT FROM excluded.querytext;
