#!/usr/bin/env bash
# DAMON KUnit suites on UML with kunit.py, results as JSON in $1.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

json=${1:-$KUNIT_OUT/results.json}
src=${2:-$WORK_TREE}
mkdir -p "$KUNIT_OUT"
rm -f "$json"
say "kunit: building and running mm/damon/tests on UML in $KUNIT_OUT (3-4 min cold)"
cd "$src"
# kunit.py prints one line per test; keep them and show progress.
python3 tools/testing/kunit/kunit.py run --kunitconfig=mm/damon/tests \
	--build_dir="$KUNIT_OUT" --jobs="$JOBS" --make_options CC="ccache gcc" \
	--json="$json" >"$KUNIT_OUT/kunit.log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sleep 30
	kill -0 "$pid" 2>/dev/null && say "kunit: $(grep -v '^\s*$' "$KUNIT_OUT/kunit.log" | tail -n 1 | cut -c1-90)"
done
rc=0
wait "$pid" || rc=$?
# kunit.py's JSON has no skip reasons: keep the raw KTAP next to it.
cp "$KUNIT_OUT/test.log" "${json%.json}.ktap" 2>/dev/null || true
grep -E '^\[..:..:..\] (Testing complete|.*(FAILED|CRASHED|SKIPPED))' "$KUNIT_OUT/kunit.log" >&2 || true
[ -s "$json" ] || { tail -n 40 "$KUNIT_OUT/kunit.log" >&2; say "kunit: no results (log: $KUNIT_OUT/kunit.log)"; }
exit "$rc"
