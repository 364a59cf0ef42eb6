-- 002_orleans_reminders.sql
--
-- Orleans ADO.NET reminders (Microsoft.Orleans.Reminders.AdoNet 10.x) on PostgreSQL 15+.
-- Creates the reminder table (orleans_reminders) and the query rows ReadReminderRowsKey,
-- ReadReminderRowKey, ReadRangeRows1Key, ReadRangeRows2Key, UpsertReminderRowKey,
-- DeleteReminderRowKey and DeleteReminderRowsKey. Runs after 001_orleans_query_and_storage.sql,
-- which owns the orleansquery table (re-declared here with IF NOT EXISTS so that this script
-- also works on its own). See /work/shared/design/ORLEANS-ADONET.md for the contract.
--
-- Re-runnable: every statement is idempotent. Query texts are cached by the silos, so restart
-- them after a text changes.
--
-- Notes on the contract:
--   * grain_id is GrainId.ToString() ("<type>/<key>") stored unchanged.
--   * grain_hash is the uniform hash Orleans computes, cast to a signed int. It is stored as given
--     (often negative); the ring range queries compare it as a signed integer.
--   * version starts at 0 and changes on every upsert; a delete succeeds only with the current one.
--   * period is in milliseconds; Orleans sends int4 or int8 depending on the size, hence bigint.

CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  text NOT NULL PRIMARY KEY,
    querytext text NOT NULL
);

CREATE TABLE IF NOT EXISTS orleans_reminders
(
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    start_time    timestamptz NOT NULL,
    period        bigint      NOT NULL,
    grain_hash    integer     NOT NULL,
    version       integer     NOT NULL,
    CONSTRAINT orleans_reminders_pkey PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS orleans_reminders_service_id_grain_hash_idx
    ON orleans_reminders (service_id, grain_hash);

-- Query texts read by the reminder provider. Orleans binds named parameters (@Name) that Npgsql
-- rewrites to $n. Result columns are read by name: GrainId, ReminderName, StartTime, Period, Version.
-- The WHERE clause of the upsert leaves unchanged rows untouched, so a re-run changes nothing.
INSERT INTO orleansquery (querykey, querytext)
VALUES
(
    'ReadReminderRowsKey',
    $query$SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
    period AS "Period", version AS "Version"
FROM orleans_reminders
WHERE service_id = @ServiceId
  AND grain_id = @GrainId$query$
),
(
    'ReadReminderRowKey',
    $query$SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
    period AS "Period", version AS "Version"
FROM orleans_reminders
WHERE service_id = @ServiceId
  AND grain_id = @GrainId
  AND reminder_name = @ReminderName$query$
),
(
    -- Arc (BeginHash, EndHash] when BeginHash < EndHash as signed integers.
    'ReadRangeRows1Key',
    $query$SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
    period AS "Period", version AS "Version"
FROM orleans_reminders
WHERE service_id = @ServiceId
  AND grain_hash > @BeginHash
  AND grain_hash <= @EndHash$query$
),
(
    -- Arc that wraps past the signed maximum (BeginHash >= EndHash; equal means the whole ring).
    'ReadRangeRows2Key',
    $query$SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
    period AS "Period", version AS "Version"
FROM orleans_reminders
WHERE service_id = @ServiceId
  AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)$query$
),
(
    -- Insert with version 0, or overwrite start time, period and hash and bump the version.
    -- No ETag check. Always returns exactly one row with the new Version.
    'UpsertReminderRowKey',
    $query$INSERT INTO orleans_reminders AS r
    (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
VALUES
    (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT ON CONSTRAINT orleans_reminders_pkey DO UPDATE
SET start_time = excluded.start_time,
    period     = excluded.period,
    grain_hash = excluded.grain_hash,
    version    = r.version + 1
RETURNING r.version AS "Version"$query$
),
(
    -- Deletes only when the stored version equals @Version. Exactly one row with one boolean
    -- column: true when a reminder was deleted, false on an ETag mismatch or a missing reminder.
    'DeleteReminderRowKey',
    $query$WITH deleted AS (
    DELETE FROM orleans_reminders
    WHERE service_id = @ServiceId
      AND grain_id = @GrainId
      AND reminder_name = @ReminderName
      AND version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM deleted) AS deleted$query$
),
(
    'DeleteReminderRowsKey',
    $query$DELETE FROM orleans_reminders
WHERE service_id = @ServiceId$query$
)
ON CONFLICT (querykey) DO UPDATE
SET querytext = excluded.querytext
WHERE orleansquery.querytext IS DISTINCT FROM excluded.querytext;
