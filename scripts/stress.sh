#!/usr/bin/env bash
# make stress: the DAMOS split/collapse stress and the sysfs fuzz on a KASAN
# kernel. Builds the stress guest kernel (config/guest.config +
# config/kasan.config: generic KASAN, KFENCE, kmemleak, PROVE_LOCKING,
# DEBUG_VM, DEBUG_ATOMIC_SLEEP, DETECT_HUNG_TASK) in $CACHE/build/kasan,
# boots it with panic_on_warn=1 and runs damos_stress.py (3 rounds of
# STRESS_SECONDS, default 60), damos_sysfs_fuzz.py (FUZZ_WRITES random
# writes, default 2000) and a kmemleak scan. Any WARN, BUG, lockdep, KASAN
# or KFENCE report fails the run. STRESS_TESTS=damos_stress.py runs only
# that one. Last line: "N passed, N failed".
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
out=$CACHE/build/kasan
res=$CACHE/results/stress
rm -rf "$res"
mkdir -p "$res"
times=$res/times.tsv
timed deps "$TOP/scripts/deps.sh"
timed worktree "$TOP/scripts/worktree.sh"
timed build env GUEST_FRAGS=config/kasan.config "$TOP/scripts/build-guest.sh" "$WORK_TREE" "$out"
timed selftests-build "$TOP/scripts/build-selftests.sh"
build=$CACHE/build/selftests
# KASAN under TCG: the guest boots in about 40 s and runs 5-10x slower than
# the debug guest of make test.
# MTTCG: the two vCPUs on the two host cores at once (nothing else runs
# beside make stress), so kdamond and the workers really run in parallel.
# pci=noacpi: ACPI only for the CPUs (MADT); its AML for PCI interrupt
# routing runs into AE_AML_LOOP_TIMEOUT under KASAN + TCG (30 s per
# attempt, then no IRQ for the virtio devices).
GUEST_APPEND="${GUEST_APPEND:-pci=noacpi}" \
	TCG_THREAD=${TCG_THREAD:-multi} GUEST_KERNEL=$out/arch/x86/boot/bzImage GUEST_VMLINUX=$out/vmlinux \
	timed guest "$TOP/scripts/guest-run.sh" -n stress -t "${STRESS_TIMEOUT:-5400}" -- \
	env DAMOS_STRESS_SECONDS="${STRESS_SECONDS:-60}" \
	DAMOS_FUZZ_WRITES="${FUZZ_WRITES:-2000}" STRESS_TESTS="${STRESS_TESTS:-}" \
	"$build/run_tests.py" "$build" stress kmemleak || true
rd=$RUN_DIR/stress
cat "$rd/out/times.tsv" >>"$times" 2>/dev/null || true
args=("stress=tap:$rd/out/stress.tap" "kmemleak=tap:$rd/out/kmemleak.tap")
[ -s "$rd/splats" ] &&
	args+=("kernel-log=missing:WARN/BUG/lockdep/KASAN report in $rd/console.log")
grep -h '^# .*\(damos_stress:\|under load\|writes \)' "$rd/out/stress.tap" >"$res/figures" 2>/dev/null || true
printf '%s\t\t%s\n' total $(($(date +%s) - t0)) >>"$times"
echo
sed 's/^# //' "$res/figures"
rc=0
python3 "$TOP/scripts/summarize.py" --times "$times" "${args[@]}" | tee "$res/summary.txt" || rc=$?
{
	sed 's/^# //' "$res/figures"
	echo
	cat "$res/summary.txt"
} >"$res/stress.txt"
save_results stress "$res/stress.txt"
exit "$rc"
