#!/usr/bin/env bash
# Writer-contention benchmark: before (migration 1), the first sequencer (migration 4) and after (latest),
# interleaved, on a fresh embedded PostgreSQL with fsync on. Writes bench/results/writer-contention-raw.md. Extra
# arguments override the defaults, e.g.
#   bench/run.sh --seconds=10 --reps=5 --writers=1,8,64 --sync=on,off --rate=500 --latency-seconds=20
# A short run on a shared machine (about 4 minutes): --seconds=2 --reps=3 --sync=on --latency-seconds=5
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -o -DskipTests compile test-compile
exec mvn -B -q -o org.codehaus.mojo:exec-maven-plugin:3.6.4:java \
    -Dexec.mainClass=dev.switchboard.bench.WriterContention \
    -Dexec.classpathScope=test \
    -Dexec.args="--out=bench/results/writer-contention-raw.md $*"
