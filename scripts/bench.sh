#!/usr/bin/env bash
# make bench: what DAMOS_SPLIT and DAMOS_COLLAPSE cost against the kernel's
# own paths, as ratios measured in one guest run (bench/bench.py says how).
#
#   BENCH_ARGS="--sizes 64,256,1024 --repeat 5 --seconds 5 --reserve 4096"
#
# Builds what is missing (the guest kernel without its debug options, in
# $CACHE/build/bench or $BENCH_OUT), boots it (4 GiB), runs bench.py,
# prints its table and keeps it as JSON and CSV in $CACHE/results/bench/.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
"$TOP/scripts/deps.sh"
"$TOP/scripts/worktree.sh"
# The kernel without the debug options (config/bench.config says why), in
# its own build dir; the same work tree.
bench_out=${BENCH_OUT:-$CACHE/build/bench}
GUEST_FRAGS="config/bench.config" "$TOP/scripts/build-guest.sh" "$WORK_TREE" "$bench_out"
"$TOP/scripts/build-selftests.sh"
build=$CACHE/build/selftests
out=$CACHE/results/bench
mkdir -p "$out"
stamp=$(date -u +%Y%m%d-%H%M%S)
commit=$(git -C "$WORK_TREE" rev-parse --short=12 HEAD)
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
args=()
eval "args=(${BENCH_ARGS:-})"
# The TSC clocksource, so that CPU times are not 4 ms ticks (lib.sh).
export GUEST_APPEND="${GUEST_APPEND:-$(tsc_append)}"
say "bench: booting the guest; the full run takes about 11 minutes under TCG"
rc=0
GUEST_KERNEL=$bench_out/arch/x86/boot/bzImage GUEST_VMLINUX=$bench_out/vmlinux \
	"$TOP/scripts/guest-run.sh" -n bench -m 4G -t "${BENCH_TIMEOUT:-7200}" -- \
	python3 "$build/bench/bench.py" --ksft "$build/damon/damon" \
	--benchmem "$build/bench/benchmem" \
	--json /tmp/out/bench.json --csv /tmp/out/bench.csv \
	--meta "series_head=$commit" \
	--meta "guest=QEMU $(qemu-system-x86_64 --version | awk 'NR == 1 {print $4}') TCG (no KVM), -smp 2,sockets=2 (guest_cpus: what the kernel sees), 4 GiB, kernel of config/guest.config + config/bench.config (no lockdep, no DEBUG_VM)" \
	--meta "host=$(nproc) cores, $cpu" \
	${args[@]+"${args[@]}"} || rc=$?
if [ "$rc" != 0 ] || [ ! -s "$RUN_DIR/bench/out/bench.json" ]; then
	tail -n 30 "$RUN_DIR/bench/out/output" >&2 || true
	die "bench: failed (exit $rc); log in $RUN_DIR/bench"
fi
cp "$RUN_DIR/bench/out/bench.json" "$out/bench-$stamp.json"
cp "$RUN_DIR/bench/out/bench.csv" "$out/bench-$stamp.csv"
echo
grep -v '^harness: ' "$RUN_DIR/bench/out/output"
grep -v '^harness: ' "$RUN_DIR/bench/out/output" >"$out/bench-$stamp.txt"
save_results bench "$out/bench-$stamp.txt" "$out/bench-$stamp.json" "$out/bench-$stamp.csv"
say "bench: done in $(($(date +%s) - t0)) s: $out/bench-$stamp.{json,csv}"
