#!/usr/bin/env bash
# DAMON KUnit suites, results as JSON (kunit.py's format) in JSON.
#   kunit.sh [JSON [SRC]]              build and run them on UML (kunit.py run)
#   kunit.sh --parse CONSOLE_LOG JSON  parse the KTAP that a guest kernel with
#                                      the suites built in printed at boot
#                                      (kunit.py parse); make test does this
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --parse ]; then
	log=$2 json=$3
	rm -f "$json"
	[ -s "$log" ] || die "kunit: no console log at $log"
	# Only the kernel's own lines (printk: "[ seconds] " first): the console
	# also carries the harness' output, whose TAP is not KUnit's.
	klog=${json%.json}.console
	grep -aE '^\[ *[0-9]+\.[0-9]+\] ' "$log" >"$klog" || true
	# The raw KTAP without the timestamps, for the summary's skip reasons
	# (kunit.py's JSON has none).
	sed -n 's/^\[ *[0-9.]*\] //; /^KTAP version/,$p' "$klog" |
		grep -aE '^ *(KTAP|1\.\.|ok |not ok |# )' >"${json%.json}.ktap" || true
	grep -qE '^ *(not )?ok ' "${json%.json}.ktap" ||
		die "kunit: no KUnit results in $log (a kernel without the DAMON KUnit suites, kunit.enable=0, or loglevel below 7?)"
	python3 "$WORK_TREE/tools/testing/kunit/kunit.py" parse --json="$json" "$klog" >"${json%.json}.log" 2>&1 || true
	grep -E 'Testing complete|(FAILED|CRASHED|SKIPPED)' "${json%.json}.log" >&2 || true
	[ -s "$json" ] || { tail -n 30 "${json%.json}.log" >&2; die "kunit: kunit.py parse wrote no results"; }
	exit 0
fi

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
