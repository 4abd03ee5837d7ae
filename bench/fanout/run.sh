#!/usr/bin/env bash
# Fan-out benchmark: Switchboard against a plain Node `ws` server and laravel-echo-server + Redis, interleaved.
# Installs what it needs (npm packages into bench/fanout/node_modules, Debian's redis-server), builds the jar if
# missing, starts PostgreSQL (Debian's) and Redis on the generator core, runs every scenario, then writes the
# Markdown report and PNG charts into bench/results/.
#   bench/fanout/run.sh              # full run: 3 repetitions, every scenario (see README for the time it takes)
#   bench/fanout/run.sh --smoke      # small counts, 1 repetition: proves the harness end to end
# Other arguments go to bench.js (e.g. --reps=5 --scenarios=fanout,latency --servers=switchboard,node-ws).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$ROOT/bench/.work"
PG_PORT=25499
REDIS_PORT=6390
GEN_CORE=0
SERVER_CORE=1
if [ "$(nproc)" -lt 2 ]; then SERVER_CORE=0; echo "one core only: servers are not pinned apart from the generator"; fi
mkdir -p "$WORK" "$ROOT/bench/results"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- dependencies ----------------------------------------------------------------------------------------------
if [ ! -d "$HERE/node_modules/laravel-echo-server" ] || [ ! -d "$HERE/node_modules/ws" ] || [ ! -d "$HERE/node_modules/pg" ]; then
  (cd "$HERE" && npm install --no-audit --no-fund --prefix .)
fi
if ! command -v redis-server >/dev/null; then
  as_root apt-get install -y -q redis-server
fi
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$PG_BIN" ]; then
  as_root apt-get install -y -q postgresql
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi
if [ ! -f "$ROOT/target/switchboard.jar" ]; then
  (cd "$ROOT" && mvn -B -q -o -DskipTests -DskipJsTests=true package)
fi

# --- PostgreSQL and Redis, on the generator's core -------------------------------------------------------------
PG_DATA="$WORK/pg"
run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
if [ ! -f "$PG_DATA/PG_VERSION" ]; then
  mkdir -p "$PG_DATA"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DATA" "$WORK"
  run_pg "$PG_BIN/initdb -D '$PG_DATA' -U postgres --auth=trust -E UTF8 >/dev/null"
fi
cleanup() {
  [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" 2>/dev/null || true
  run_pg "$PG_BIN/pg_ctl -D '$PG_DATA' -m fast stop >/dev/null" 2>/dev/null || true
}
trap cleanup EXIT
run_pg "taskset -c $GEN_CORE $PG_BIN/pg_ctl -D '$PG_DATA' -l '$PG_DATA/log' -w start \
  -o '-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=60 -c shared_buffers=128MB'" >/dev/null
"$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='switchboard'" \
  | grep -q 1 || "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres switchboard
taskset -c "$GEN_CORE" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize no --logfile "$WORK/redis.log" &
REDIS_PID=$!

# --- the run ----------------------------------------------------------------------------------------------------
cd "$HERE"
taskset -c "$GEN_CORE" node bench.js --pg-port="$PG_PORT" --redis-port="$REDIS_PORT" \
  --server-core="$SERVER_CORE" --generator-core="$GEN_CORE" "$@"
MODE=full; WRITER=yes; RAW=""
for a in "$@"; do
  case "$a" in --smoke) MODE=smoke ;; --no-writer|--scenarios=*) WRITER=no ;; --out=*) RAW="${a#--out=}" ;; esac
done
# Scenario 4 (writer contention) is its own benchmark, bench/run.sh; run it here when it is part of this checkout.
if [ "$WRITER" = yes ] && [ -x "$ROOT/bench/run.sh" ]; then
  if [ "$MODE" = smoke ]; then
    "$ROOT/bench/run.sh" --seconds=1 --reps=1 --writers=1,8 --latency-seconds=2
  else
    "$ROOT/bench/run.sh"
  fi
else
  echo "writer contention (scenario 4): skipped (bench/run.sh not present, or --scenarios/--no-writer given)"
fi
if [ -n "$RAW" ]; then
  node report.js "$RAW" "$(dirname "$RAW")" "$(basename "$RAW" .json | sed 's/-raw$//')"
else
  node report.js "$ROOT/bench/results/fanout-$MODE-raw.json" "$ROOT/bench/results"
fi
