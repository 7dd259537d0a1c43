#!/usr/bin/env bash
# `make test`: the broker matrix's two passes side by side — the whole suite on Tansu, and the
# layers that talk to a broker (tests/integration, tests/e2e) on Apache Kafka. A pass spends
# most of its time waiting on brokers, services and processes it started (the load stays near
# one on two cores), so running the two together takes about the time of the longer one.
# Each pass's pytest output goes to var/test-logs/<pass>.log; the terminal shows each pass's
# result, and a failed pass's failures. Exit status: 0 when both passed.
set -uo pipefail

PY="${PY:-.venv/bin/python}"
LOGS="${VANGUARD_TEST_LOGS:-var/test-logs}"
mkdir -p "$LOGS"

pids=()
stop() { ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null; }
trap 'stop; exit 130' INT TERM

start=$(date +%s)
# A background command of a script ignores SIGINT, and so would every process a test starts
# from it (a Ctrl-C test would wait forever): each pass gets the default disposition back.
(trap - INT; exec "$PY" -m pytest -q) >"$LOGS/tansu.log" 2>&1 &
pids+=($!)
(trap - INT; exec "$PY" -m pytest -q --broker kafka tests/integration tests/e2e) >"$LOGS/kafka.log" 2>&1 &
pids+=($!)
echo "test: the Tansu pass and the Apache Kafka pass are running (logs: $LOGS/tansu.log, $LOGS/kafka.log)"

failed=0
for i in 0 1; do
    name=$([[ $i == 0 ]] && echo tansu || echo kafka)
    wait "${pids[$i]}"
    rc=$?
    echo "test: $name pass — $(tail -n 1 "$LOGS/$name.log") (exit $rc)"
    if [[ $rc != 0 ]]; then
        failed=1
        # The failures as pytest reported them, capped: the whole output is in the log.
        if grep -q '^=* FAILURES =*$' "$LOGS/$name.log"; then
            sed -n '/^=* FAILURES =*$/,$p' "$LOGS/$name.log" | tail -n 400
        else
            tail -n 60 "$LOGS/$name.log"
        fi
    fi
done
echo "test: both passes in $(( $(date +%s) - start )) s"
exit $failed
