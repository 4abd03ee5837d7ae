#!/usr/bin/env bash
# Notify-cost probe: the backend CPU time one app transaction spends in each notify function, version 9 against
# the latest migration, interleaved, on a fresh embedded PostgreSQL. About a minute on an idle machine; CPU time per
# transaction is what it reports, so it may run beside other work. Writes bench/results/notify-cost.md. Extra
# arguments override the defaults, e.g.
#   bench/notify-cost.sh --tx=2000 --reps=5
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -o -DskipTests compile test-compile
exec mvn -B -q -o org.codehaus.mojo:exec-maven-plugin:3.6.4:java \
    -Dexec.mainClass=dev.switchboard.bench.NotifyCost \
    -Dexec.classpathScope=test \
    -Dexec.args="--out=bench/results/notify-cost.md $*"
