#!/usr/bin/env bash
# Each patch of the series must pass the DAMON selftests it has. For the
# patches that change the DAMON ABI (enum damos_action, the sysfs files),
# bisect-build.sh kept the kernel and the selftests as of that patch in
# $BISECT_OUT.abi/<N>/; boot each (two guests at a time) and run the
# selftests that check the ABI, as the patch has them: sysfs.py (the action
# numbers and every committed value, read back with drgn). TAP, one line per
# patch and test. ABI_TESTS="sysfs.py ..." changes the list.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

tests=${ABI_TESTS:-sysfs.py}
mapfile -t dirs < <(find "$BISECT_OUT.abi" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort -t/ -k1 -V)
echo "TAP version 13"
if [ ${#dirs[@]} -eq 0 ]; then
	echo "1..0 # SKIP no patch but the last changes the DAMON ABI (or make test ran without bisect)"
	exit 0
fi
echo "1..$((${#dirs[@]} * $(echo $tests | wc -w)))"
# The runner's timeout: patches before the settings file (patch 13) get
# kselftest's default of 45 s, which sysfs.py exceeded with three TCG
# guests on two cores (2026-11-29); give every patch the same 300 s.
ksft_args="-o ${ABI_TIMEOUT:-300}"
RUNNER=${ABI_RUNNER:-$CACHE/build/selftests/run_tests.py}
for t in $tests; do ksft_args+=" -t damon:$t"; done

boot() {
	local d=$1 n
	n=$(basename "$d")
	# No result of an earlier run may stand for this one (guest-run.sh
	# clears the dir only once it boots).
	rm -rf "$RUN_DIR/abi-$n"
	[ -x "$d/damon/run_kselftest.sh" ] || return 0
	# The runner as build-selftests.sh installed it: the guest sees $CACHE
	# but not a clone under the host's /tmp.
	GUEST_KERNEL=$d/bzImage GUEST_VMLINUX=$d/vmlinux \
		"$TOP/scripts/guest-run.sh" -n "abi-$n" -t 900 -- \
		env KSFT_ARGS="$ksft_args" "$RUNNER" "$d" damon \
		>"$d/run.log" 2>&1 || true
}
for ((i = 0; i < ${#dirs[@]}; i += 2)); do
	boot "${dirs[$i]}" &
	[ $((i + 1)) -lt ${#dirs[@]} ] && boot "${dirs[$((i + 1))]}" &
	wait
done

k=0
for d in "${dirs[@]}"; do
	n=$(basename "$d")
	subj=$(cat "$d/subject" 2>/dev/null || echo "patch $n")
	tap=$RUN_DIR/abi-$n/out/damon.tap
	for t in $tests; do
		k=$((k + 1))
		if [ -s "$RUN_DIR/abi-$n/splats" ]; then
			echo "not ok $k abi: patch $n ($subj): $t: kernel splat in $RUN_DIR/abi-$n/console.log"
		elif grep -qE "^ok [0-9]+ selftests: damon: $t( |$)" "$tap" 2>/dev/null; then
			echo "ok $k abi: patch $n ($subj): $t"
		else
			{ grep -E "^(not )?ok [0-9]+ selftests: damon: $t" "$tap" 2>/dev/null || true; } | sed 's/^/# /'
			echo "not ok $k abi: patch $n ($subj): $t (see $RUN_DIR/abi-$n)"
		fi
	done
done
