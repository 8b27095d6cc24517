#!/usr/bin/env bash
# make demo: the THP hot-memory inflation, and DAMOS_SPLIT + DAMOS_COLLAPSE
# fixing it, in a booted patched kernel (README: "make demo").
#
#   DEMO_ARGS="--size 512 --hot-pct 5 --dense 1024 --order 4 --backing 'anon shmem'"
#   DEMO_MEM=3G (the guest's memory), DEMO_NAME=demo (run dir, results name)
#
# Builds what is missing (base source, series work tree, guest kernel, the
# hotset workload, damo), boots the guest and runs guest/demo.py in it.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
say "demo: [1/4] packages, v7.3 base source and the series (first run: about a minute)"
"$TOP/scripts/deps.sh"
"$TOP/scripts/worktree.sh"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 is missing: run 'sudo apt-get install qemu-system-x86'"

say "demo: [2/4] guest kernel (incremental; a cold build takes about 10 minutes on 2 cores)"
"$TOP/scripts/build-guest.sh"

say "demo: [3/4] hotset workload and damo"
tools=$CACHE/build/tools
mkdir -p "$tools"
gcc -O2 -Wall -Wextra -Werror -o "$tools/hotset" "$TOP/demo/hotset.c"
# The guest sees the host's / but has its own /tmp: run the demo from the
# cache, so that a clone under /tmp works too.
cp "$TOP/guest/demo.py" "$tools/demo.py"
# and the selftests' helpers it reads THP sizes and settings with
cp "$WORK_TREE/tools/testing/selftests/damon/_damon_folio.py" \
	"$WORK_TREE/tools/testing/selftests/damon/_damon_sysfs.py" "$tools/"
damo=$("$TOP/scripts/fetch-damo.sh")

say "demo: [4/4] booting the guest and running the phases (a few minutes under TCG)"
rc=0
args=()
eval "args=(${DEMO_ARGS:-})"
"$TOP/scripts/guest-run.sh" -n "${DEMO_NAME:-demo}" -m "${DEMO_MEM:-3G}" -t "${DEMO_TIMEOUT:-2400}" -- \
	python3 "$tools/demo.py" --hotset "$tools/hotset" --damo "$damo" \
	${args[@]+"${args[@]}"} || rc=$?
run=$RUN_DIR/${DEMO_NAME:-demo}
out=$run/out/output
if [ "$rc" != 0 ]; then
	[ -s "$out" ] && tail -n 40 "$out" >&2
	say "demo: failed (exit $rc); console tail ($run/console.log):"
	tail -n 30 "$run/console.log" >&2
	exit 1
fi
echo
# From the first table heading on (after a --timestamps stamp, too)
sed -n '/^\(\[[ 0-9.]*\] \)\{0,1\}== /,$p' "$out" | { grep -v '^harness: ' || true; } |
	tee "$run/out/demo.txt"
save_results "${DEMO_NAME:-demo}" "$run/out/demo.txt"
say "demo: done in $(($(date +%s) - t0)) s; full output in $out"
