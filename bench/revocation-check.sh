#!/bin/bash
# Usage: bench/revocation-check.sh INTERVAL (e.g. 00:00:00.500), after a Release build of ReplyX.sln; needs wrk.
# Prints wrk latency and the silo's CPU per request for GET /api/assistants (docs/benchmarks.md, Revocation check).
set -e
D="$(cd "$(dirname "$0")/.." && pwd)"
INT=$1
P=$(bash "$D/scripts/services.sh" free-port)
cd "$D/src/Silo/bin/Release/net10.0"
ASPNETCORE_URLS=http://127.0.0.1:$P ASPNETCORE_ENVIRONMENT=Production DOTNET_GCgen0size=0x8000000 Logging__LogLevel__Default=Warning \
  RateLimits__UserPerMinute=100000000 Auth__RevocationCheckInterval=$INT dotnet ReplyX.Silo.dll > "${TMPDIR:-/tmp}/rev-$INT.log" 2>&1 &
PID=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:$P/health/live >/dev/null && break; sleep 0.2; done
T=$(curl -s -X POST http://127.0.0.1:$P/api/auth/register -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"correct horse battery","name":"B"}' | python3 -c "import json,sys;print(json.load(sys.stdin)['accessToken'])")
wrk -t1 -c16 -d5s -H "Authorization: Bearer $T" http://127.0.0.1:$P/api/assistants >/dev/null  # warm-up
C0=$(awk '{print $14+$15}' /proc/$PID/stat)
wrk -t1 -c16 -d15s --latency -H "Authorization: Bearer $T" http://127.0.0.1:$P/api/assistants > "${TMPDIR:-/tmp}/wrk-$INT.txt"
C1=$(awk '{print $14+$15}' /proc/$PID/stat)
REQ=$(grep "requests in" ${TMPDIR:-/tmp}/wrk-$INT.txt | awk '{print $1}')
echo "interval $INT: $(grep -E '^ +50%|^ +99%|Requests/sec' ${TMPDIR:-/tmp}/wrk-$INT.txt | tr -s ' ' | tr '\n' ' ') cpu_ms_per_req=$(python3 -c "print(round(($C1-$C0)*10/$REQ,4))")"
kill $PID; wait $PID 2>/dev/null || true
