#!/usr/bin/env bash
# Throwaway PostgreSQL, PGlite and Redis servers for tests, on loopback, in a folder of the caller's choosing.
#   services.sh install                      install postgresql, redis-server and chromium (browser tests) with
#                                            apt-get when missing
#   services.sh pg-start DIR PORT            initdb (as the postgres user) and start PostgreSQL on 127.0.0.1:PORT
#   services.sh pg-stop DIR                  stop it at once (immediate shutdown)
#   services.sh redis-start DIR PORT [aof]   start Redis on 127.0.0.1:PORT, no persistence; with "aof", an
#                                            append-only file in DIR (as compose.yaml runs it), so a
#                                            restart in the same DIR keeps the data
#   services.sh redis-stop DIR PORT
#   services.sh pglite-start DIR PORT        start PGlite (PostgreSQL 18 in WebAssembly, tests/ReplyX.PgLite) with
#                                            the vector (pgvector) and pg_trgm extensions on 127.0.0.1:PORT, in
#                                            memory; npm ci there first when its packages are missing or older
#                                            than its lock file; pid file and log in DIR
#   services.sh pglite-stop DIR              stop it (SIGTERM; SIGKILL after 10 s)
#   services.sh free-port                    print a free loopback TCP port
set -euo pipefail

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/initdb" ]] && { echo "$dir"; return 0; }
  done
  return 1
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local port low=32768
  # Below the kernel's ephemeral range (Linux's default: 32768-60999), where outgoing connections take their
  # local ports: such a port can be taken before the server binds it.
  [[ -r /proc/sys/net/ipv4/ip_local_port_range ]] && read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  (( low > 20000 )) || { echo "the ephemeral port range starts at $low: no free port below it above 20000" >&2; return 1; }
  for _ in $(seq 1 200); do
    port=$(( 20000 + ((RANDOM << 15) | RANDOM) % (low - 20000) ))
    port_in_use "$port" || { echo "$port"; return 0; }
  done
  echo "no free port found" >&2
  return 1
}

install() {
  local missing=()
  pg_bin >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "Tests need ${missing[*]}; run as root or install them: apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  echo "Installing ${missing[*]} ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  # Debian's packages start their own servers where systemd runs; the tests use their own instances.
}

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  local dir=$1 port=$2 bin
  bin=$(pg_bin)
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
  chmod 700 "$dir"
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
    "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
    >/dev/null || { cat "$dir/server.log" >&2; return 1; }
}

pg_stop() {
  local dir=$1 bin
  bin=$(pg_bin)
  [[ -f "$dir/data/postmaster.pid" ]] && as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
}

redis_start() {
  local dir=$1 port=$2 persistence=${3:-none} appendonly=no
  case "$persistence" in
    none) ;;
    aof) appendonly=yes ;;
    *) echo "redis-start: unknown persistence '$persistence' (expected aof)" >&2; return 64 ;;
  esac
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly "$appendonly" --daemonize yes \
    --pidfile "$dir/redis-$port.pid" --logfile "$dir/redis-$port.log" --dir "$dir"
  for _ in $(seq 1 100); do
    # Our server answering, not merely something listening on the port.
    [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]] \
      && [[ -f "$dir/redis-$port.pid" ]] && kill -0 "$(cat "$dir/redis-$port.pid")" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$dir/redis-$port.log" >&2
  return 1
}

redis_stop() {
  local dir=$1 port=$2 pid
  if [[ -f "$dir/redis-$port.pid" ]]; then
    pid=$(cat "$dir/redis-$port.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
}

pglite_app() { cd "$(dirname "${BASH_SOURCE[0]}")/../tests/ReplyX.PgLite" && pwd; }

# As ReplyX.Web does: npm ci when node_modules/ has no stamp of ours or the package files are newer than it.
pglite_packages_stale() {
  local app=$1 stamp="$1/node_modules/.replyx-npm-ci.stamp"
  [[ ! -f $stamp || "$app/package-lock.json" -nt $stamp || "$app/package.json" -nt $stamp ]]
}

# The pid in DIR/pglite.pid while that process is still our server (not a later process given the same pid).
pglite_pid() {
  local dir=$1 pid
  [[ -f "$dir/pglite.pid" ]] || return 1
  pid=$(cat "$dir/pglite.pid")
  [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'server\.mjs' || return 1
  echo "$pid"
}

pglite_start() {
  local dir=$1 port=$2 app pid deadline
  app=$(pglite_app)
  command -v node >/dev/null || { echo "pglite-start: PGlite needs Node.js 20 or later, with npm" >&2; return 1; }
  mkdir -p "$dir"
  if pglite_packages_stale "$app"; then
    # Under a lock, as two test runs may start at once; the second finds the packages installed.
    (
      flock 9
      pglite_packages_stale "$app" || exit 0
      (cd "$app" && npm ci --no-audit --no-fund --loglevel=error) >"$dir/npm-ci.log" 2>&1 \
        || { echo "pglite-start: npm ci failed in $app:" >&2; cat "$dir/npm-ci.log" >&2; exit 1; }
      touch "$app/node_modules/.replyx-npm-ci.stamp"
    ) 9>/tmp/replyx-pglite-npm-ci.lock || return 1
  fi
  : >"$dir/pglite.log"
  # In a session of its own (as pg_ctl and Redis's --daemonize start theirs): a ^C in the caller's terminal
  # does not reach it, and the caller's cleanup stops it.
  (cd "$app" && exec setsid node server.mjs --port "$port" --host 127.0.0.1) </dev/null >>"$dir/pglite.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/pglite.pid"
  # The server listens only once the database is up (5-20 s here), then prints "ready PORT": a port that
  # accepts before that line belongs to another process, so the line is what counts.
  deadline=$(( SECONDS + 60 ))
  while (( SECONDS < deadline )); do
    kill -0 "$pid" 2>/dev/null || break
    grep -qx "ready $port" "$dir/pglite.log" && return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/pglite.pid"
  echo "PGlite did not start on 127.0.0.1:$port; the end of $dir/pglite.log:" >&2
  tail -n 30 "$dir/pglite.log" >&2
  return 1
}

pglite_stop() {
  local dir=$1 pid
  if pid=$(pglite_pid "$dir"); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/pglite.pid"
}

case "${1:-}" in
  install) install ;;
  pg-bin) pg_bin ;;
  pg-start) pg_start "$2" "$3" ;;
  pg-stop) pg_stop "$2" ;;
  redis-start) redis_start "$2" "$3" "${4:-none}" ;;
  redis-stop) redis_stop "$2" "$3" ;;
  pglite-start) pglite_start "$2" "$3" ;;
  pglite-stop) pglite_stop "$2" ;;
  free-port) free_port ;;
  *) sed -n '2,16p' "$0" >&2; exit 64 ;;
esac
