#!/usr/bin/env bash
# Long fuzz campaigns (not part of the test suite): libFuzzer on the loader,
# interpreter and every kernel for MINUTES, then the structure-aware campaign
# for CASES mutants. Each prints executions / coverage / crashes and writes
# JSON into bench/results/. Exit status 1 if either found a crash.
#
#   bench/fuzz.sh [MINUTES=30] [CASES=100000]
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
status=0
"$PY" bench/fuzz_libfuzzer.py --minutes "${1:-30}" || status=1
"$PY" bench/fuzz_structured.py --cases "${2:-100000}" || status=1
exit $status
