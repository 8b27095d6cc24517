#!/bin/bash
# Runs inside the guest (see scripts/guest-run.sh): the DAMON kselftests with
# kselftest's run_kselftest.sh and the mm THP selftests, each suite's TAP in
# /tmp/out/<suite>.tap. Usage: run-tests.sh SELFTEST_BUILD_DIR [SUITE...]
set -u
build=$1
shift
suites=${*:-damon mm}
timeout=${KSFT_TIMEOUT:-900}

run_damon() {
	# The installed tests write scratch files next to themselves: copy them
	# off the read-only root.
	rm -rf /tmp/ks-damon
	cp -a "$build/damon" /tmp/ks-damon
	cd /tmp/ks-damon || return 1
	# shellcheck disable=SC2086
	./run_kselftest.sh -o "$timeout" ${KSFT_ARGS:-} 2>&1 | tee /tmp/out/damon.tap
	cd /tmp || return 1
}

# mm tests: one TAP line per program run, as run_vmtests.sh counts them; the
# output of each goes in as "# " comments. Setup as run_vmtests.sh does it.
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
			echo "# selftests: mm: $t"
			# shellcheck disable=SC2086
			timeout "$timeout" ./$t 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^/# /'
			rc=${PIPESTATUS[0]}
			case $rc in
			0) echo "ok $n selftests: mm: $t" ;;
			4) echo "ok $n selftests: mm: $t # SKIP" ;;
			124) echo "not ok $n selftests: mm: $t # TIMEOUT $timeout seconds" ;;
			*) echo "not ok $n selftests: mm: $t # exit=$rc" ;;
			esac
		done
	} 2>&1 | tee /tmp/out/mm.tap
	cd /tmp || return 1
}

for s in $suites; do
	echo "harness: suite $s"
	"run_$s"
done
