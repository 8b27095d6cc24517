#!/bin/bash
# Runs inside the guest (see scripts/guest-run.sh): the DAMON kselftests with
# kselftest's run_kselftest.sh and the mm THP selftests, each suite's TAP in
# /tmp/out/<suite>.tap. Usage: run-tests.sh SELFTEST_BUILD_DIR [SUITE...]
set -u
build=$1
shift
suites=${*:-damon-timing damon mm demo}
timeout=${KSFT_TIMEOUT:-900}

# These upstream tests assert how fast DAMON's adaptive regions converge on
# a workload that switches its working set every 2 s. Under TCG (10-50x
# slower than hardware) one attempt in a fresh guest passes about 2 times in
# 3, and much less often late in a long run (README: "DAMON in a TCG
# guest"); a DAMON that cannot see accesses fails every attempt. They run
# first, as their own suite, and a failed attempt is repeated up to 5 more
# times; the TAP line says which attempt passed.
timing_tests="sysfs_update_schemes_tried_regions_wss_estimation.py damon_nr_regions.py"
# wss_estimation is skipped: measured 2026-11-23 with the TLB ticker, it
# passed 7 of 11 direct runs in fresh guests but under run_kselftest.sh only
# 2 of 4 first attempts in full runs and 0 of 15 later attempts; its samples
# are bimodal (about 0 or the true 10 MiB), i.e. DAMON reconverges too slowly
# after each 2 s working-set switch at TCG speed. Without the ticker DAMON
# saw 0 bytes in all 7 runs; with it, steady-state estimates are right.
skip_tests="sysfs_update_schemes_tried_regions_wss_estimation.py"
skip_reason="DAMON reconverges too slowly under TCG for its 2 s working-set switches (README: DAMON in a TCG guest)"

copy_damon() {
	# The installed tests write scratch files next to themselves: copy them
	# off the read-only root.
	rm -rf /tmp/ks-damon
	cp -a "$build/damon" /tmp/ks-damon
}

run_damon_timing() {
	local t n=0 attempt rc
	copy_damon
	cd /tmp/ks-damon || return 1
	{
		echo "TAP version 13"
		echo "1..$(echo $timing_tests | wc -w)"
		for t in $timing_tests; do
			n=$((n + 1))
			case " $skip_tests " in *" $t "*)
				echo "ok $n selftests: damon: $t # SKIP $skip_reason"
				continue ;;
			esac
			for attempt in 1 2 3 4 5 6; do
				echo "# selftests: damon: $t (attempt $attempt)"
				./run_kselftest.sh -o "$timeout" -t "damon:$t" >/tmp/attempt.log 2>&1
				sed 's/^/# /' /tmp/attempt.log
				grep -qE "^ok 1 selftests: damon: $t" /tmp/attempt.log && break
			done
			if grep -qE "^ok 1 selftests: damon: $t" /tmp/attempt.log; then
				rc=""
				[ "$attempt" -gt 1 ] && rc=" # timing-sensitive under TCG: passed attempt $attempt of 6"
				echo "ok $n selftests: damon: $t$rc"
			else
				echo "not ok $n selftests: damon: $t # failed 6 attempts"
			fi
		done
	} 2>&1 | tee /tmp/out/damon-timing.tap
	cd /tmp || return 1
}

run_damon() {
	local t args=()
	copy_damon
	cd /tmp/ks-damon || return 1
	# everything but the timing-sensitive tests (unless KSFT_ARGS selects)
	for t in $(sed -n 's/^damon://p' kselftest-list.txt); do
		case " $timing_tests " in *" $t "*) continue ;; esac
		args+=(-t "damon:$t")
	done
	# shellcheck disable=SC2086
	./run_kselftest.sh -o "$timeout" ${KSFT_ARGS:-"${args[@]}"} 2>&1 | tee /tmp/out/damon.tap
	cd /tmp || return 1
}

# mm tests: one TAP line per program run, as run_vmtests.sh counts them; the
# output of each goes in as "# " comments. Setup as run_vmtests.sh does it.
# A failed program is run once more and its TAP line says so: once (of many
# runs) 'khugepaged -s 2 madvise:anon' bailed out with "Failed to allocate
# VMA at 0x40000000" after the DAMON suite, and passed 4 of 4 runs alone.
run_mm() {
	local n=0 t rc dev fs=/mnt/ext4
	# split_huge_page_test's page cache cases need a filesystem that makes
	# large folios (tmpfs does not count); ext4 on a loop device does.
	mkdir -p "$fs"
	truncate -s 512M /tmp/ext4.img
	if mkfs.ext4 -q -F /tmp/ext4.img && dev=$(losetup -f --show /tmp/ext4.img) &&
		mount -t ext4 "$dev" "$fs"; then
		echo "harness: ext4 on loop at $fs for page cache split tests"
	else
		echo "harness: no ext4 loop mount; page cache split tests will skip"
		fs=""
	fi
	local -a tests=(
		"khugepaged madvise:anon"
		"khugepaged -s 2 madvise:anon"
		"split_huge_page_test $fs"
	)
	rm -rf /tmp/ks-mm
	cp -a "$build/mm" /tmp/ks-mm
	cd /tmp/ks-mm || return 1
	{
		echo "TAP version 13"
		echo "1..${#tests[@]}"
		for t in "${tests[@]}"; do
			n=$((n + 1))
			for attempt in 1 2; do
				echo "# selftests: mm: $t (attempt $attempt)"
				# shellcheck disable=SC2086
				timeout "$timeout" ./$t 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^/# /' |
					tee /tmp/ks-mm/last.out
				rc=${PIPESTATUS[0]}
				[ "$rc" = 0 ] || [ "$rc" = 4 ] && break
			done
			case $rc in
			0) if [ "$attempt" = 1 ]; then
				echo "ok $n selftests: mm: $t"
			   else
				echo "ok $n selftests: mm: $t # failed attempt 1 (output above), passed attempt 2"
			   fi ;;
			4) # the program's own last skip line is the reason
			   why=$(grep -i 'skip' /tmp/ks-mm/last.out | tail -n 1 | sed 's/^[# ]*//')
			   echo "ok $n selftests: mm: $t # SKIP ${why:-exited with ksft_skip (4), no reason printed}" ;;
			124) echo "not ok $n selftests: mm: $t # TIMEOUT $timeout seconds" ;;
			*) echo "not ok $n selftests: mm: $t # exit=$rc" ;;
			esac
		done
	} 2>&1 | tee /tmp/out/mm.tap
	cd /tmp || return 1
}

# The demo scenario (guest/demo.py) at a small size, with the thresholds of
# README "make demo" checked as TAP.
run_demo() {
	python3 "$build/demo/demo.py" --hotset "$build/demo/hotset" \
		--damo "$build/demo/damo" --size 64 --hot-pct 50 --dense 2048 \
		--backing "anon shmem" --tap /tmp/out/demo.tap
}

for s in $suites; do
	echo "harness: suite $s"
	"run_${s//-/_}"
done
