#!/usr/bin/env bash
# The whole ReplyX test suite: installs and starts throwaway PostgreSQL, PGlite (PostgreSQL with pgvector,
# tests/ReplyX.PgLite) and Redis servers on free loopback ports in a temporary folder, builds, runs every test
# project, stops the servers (even on failure) and ends with one line: "N passed, N failed" (", N skipped"
# when any).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SERVICES="$ROOT/scripts/services.sh"
CONFIGURATION=${CONFIGURATION:-Release}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

"$SERVICES" install || { echo "0 passed, 1 failed"; exit 1; }

WORK=$(mktemp -d /tmp/replyx-test.XXXXXX)
chmod 755 "$WORK"
PG_DIR="$WORK/pg"
PGLITE_DIR="$WORK/pglite"
REDIS_DIR="$WORK/redis"
PG_PORT=$("$SERVICES" free-port)
PGLITE_PORT=$("$SERVICES" free-port)
while [[ $PGLITE_PORT == "$PG_PORT" ]]; do PGLITE_PORT=$("$SERVICES" free-port); done
REDIS_PORT=$("$SERVICES" free-port)
while [[ $REDIS_PORT == "$PG_PORT" || $REDIS_PORT == "$PGLITE_PORT" ]]; do REDIS_PORT=$("$SERVICES" free-port); done

cleanup() {
  "$SERVICES" pg-stop "$PG_DIR"
  "$SERVICES" pglite-stop "$PGLITE_DIR"
  "$SERVICES" redis-stop "$REDIS_DIR" "$REDIS_PORT"
  # Processes the tests started and could not stop (a crashed test host) must not outlive the run.
  pkill -f "replyx-test-run=$WORK" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$(date +%s)
# A port free when chosen can be taken before the server binds it: try a fresh one, three times at most.
for attempt in 1 2 3; do
  "$SERVICES" pg-start "$PG_DIR" "$PG_PORT" && break
  [[ $attempt == 3 ]] && { echo "PostgreSQL did not start"; echo "0 passed, 1 failed"; exit 1; }
  "$SERVICES" pg-stop "$PG_DIR"; rm -rf "$PG_DIR"; PG_PORT=$("$SERVICES" free-port)
  while [[ $PG_PORT == "$PGLITE_PORT" || $PG_PORT == "$REDIS_PORT" ]]; do PG_PORT=$("$SERVICES" free-port); done
done
for attempt in 1 2 3; do
  "$SERVICES" pglite-start "$PGLITE_DIR" "$PGLITE_PORT" && break
  [[ $attempt == 3 ]] && { echo "PGlite did not start"; echo "0 passed, 1 failed"; exit 1; }
  "$SERVICES" pglite-stop "$PGLITE_DIR"; rm -rf "$PGLITE_DIR"
  PGLITE_PORT=$("$SERVICES" free-port)
  while [[ $PGLITE_PORT == "$PG_PORT" || $PGLITE_PORT == "$REDIS_PORT" ]]; do PGLITE_PORT=$("$SERVICES" free-port); done
done
for attempt in 1 2 3; do
  "$SERVICES" redis-start "$REDIS_DIR" "$REDIS_PORT" && break
  [[ $attempt == 3 ]] && { echo "Redis did not start"; echo "0 passed, 1 failed"; exit 1; }
  rm -rf "$REDIS_DIR"
  REDIS_PORT=$("$SERVICES" free-port)
  while [[ $REDIS_PORT == "$PG_PORT" || $REDIS_PORT == "$PGLITE_PORT" ]]; do REDIS_PORT=$("$SERVICES" free-port); done
done
echo "PostgreSQL on 127.0.0.1:$PG_PORT, PGlite (pgvector) on 127.0.0.1:$PGLITE_PORT, Redis on 127.0.0.1:$REDIS_PORT (started in $(( $(date +%s) - started )) s)"

# Timeout: a connection opened while the machine is busiest (a test starting a PostgreSQL server of its own, many
# hosts migrating at once) once took more than 10 s.
export REPLYX_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true;Timeout=30"
# PGlite: one backend for every connection (see tests/ReplyX.PgLite/README.md), so no named prepared
# statements (they would collide between connections) and no reset of the shared session on returning to the
# pool. It asks for no password (any user and database name reach the same one) and refuses SSL; a GSS
# encryption request it leaves unanswered, so that is off too.
export REPLYX_TEST_PGVECTOR="Host=127.0.0.1;Port=$PGLITE_PORT;Username=postgres;Password=postgres;Database=postgres;Pooling=true;Maximum Pool Size=8;Timeout=20;SSL Mode=Disable;GSS Encryption Mode=Disable;Max Auto Prepare=0;No Reset On Close=true"
export REPLYX_TEST_REDIS="127.0.0.1:$REDIS_PORT"
export REPLYX_TEST_SERVICES="$SERVICES"
export REPLYX_TEST_WORK="$WORK"
export REPLYX_TEST_CONFIGURATION="$CONFIGURATION"
# Every host the tests start (hundreds of app factories, fakes and silo processes) would otherwise watch its
# appsettings files with inotify; the per-user limit is 128 instances, and reaching it fails host starts with
# "The configured user limit (128) on the number of inotify instances has been reached".
export DOTNET_hostBuilder__reloadConfigOnChange=false DOTNET_USE_POLLING_FILE_WATCHER=true

cd "$ROOT"
if ! dotnet build ReplyX.sln -c "$CONFIGURATION" -nologo -v quiet; then
  echo "Build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

RESULTS="$WORK/results"
mkdir -p "$RESULTS"
status=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" -c "$CONFIGURATION" --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$RESULTS" -- RunConfiguration.TestSessionTimeout=1500000 || status=1
  [[ -f "$RESULTS/$name.trx" ]] || { echo "$name produced no results (test host crashed?)"; echo 1 >"$RESULTS/$name.crashed"; status=1; }
done

# The front end's own checks (its packages were installed by the build): each counts as one test.
web_passed=0; web_failed=0
for check in lint typecheck i18n; do
  echo "== web: npm run $check"
  if (cd src/Web && npm run -s "$check") >"$RESULTS/web-$check.log" 2>&1; then
    web_passed=$(( web_passed + 1 ))
  else
    cat "$RESULTS/web-$check.log"; web_failed=$(( web_failed + 1 )); status=1
  fi
done

passed=$web_passed; failed=$web_failed; skipped=0
for trx in "$RESULTS"/*.trx; do
  [[ -f $trx ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  p=$(get passed); f=$(get failed); e=$(get error); to=$(get timeout); a=$(get aborted); ne=$(get notExecuted)
  passed=$(( passed + ${p:-0} ))
  failed=$(( failed + ${f:-0} + ${e:-0} + ${to:-0} + ${a:-0} ))
  skipped=$(( skipped + ${ne:-0} ))
done
failed=$(( failed + $(ls "$RESULTS"/*.crashed 2>/dev/null | wc -l) ))
[[ $failed -gt 0 ]] && status=1
echo "Test time: $(( $(date +%s) - started )) s"
if [[ $skipped -gt 0 ]]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit $status
