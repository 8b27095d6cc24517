#!/usr/bin/env bash
# Bisectability: build the guest kernel at every patch of the series but the
# last (make test builds that one), in $WORK_TREE itself (checked out at each
# commit, then back) and its own build dir $BISECT_OUT. Same source path and
# build-dir depth as the main build, so ccache serves unchanged files. A patch
# that only touches tools/ gets its DAMON selftests built instead of the
# kernel (which is the previous patch's). TAP.
#
# A patch that changes the DAMON ABI (include/linux/damon.h, where enum
# damos_action lives, or mm/damon/sysfs*.c) also keeps its kernel and its
# DAMON selftests in $BISECT_OUT.abi/<patch number>/, so that make test can
# boot it and run the selftests that check the ABI as that patch has them
# (scripts/abi-run.sh): each patch of the series must pass its own.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$WORK_TREE"
mapfile -t commits < <(git rev-list --reverse base..HEAD)
n=${#commits[@]}
echo "TAP version 13"
if [ "$n" -lt 2 ]; then
	echo "1..0 # SKIP fewer than two patches: the full build covers it"
	exit 0
fi
git diff --quiet HEAD || die "bisect: $WORK_TREE has uncommitted changes"
head=$(git symbolic-ref -q --short HEAD || git rev-parse HEAD)
trap 'git checkout -q "$head"' EXIT

# keep_abi N LOG: keep the kernel just built and install the DAMON selftests
# of the checked-out patch N for scripts/abi-run.sh.
keep_abi() {
	local d=$BISECT_OUT.abi/$1
	mkdir -p "$d"
	cp "$BISECT_OUT/arch/x86/boot/bzImage" "$BISECT_OUT/vmlinux" "$d/"
	git log -1 --format=%s >"$d/subject"
	make -C "$WORK_TREE/tools/testing/selftests" O="$d/obj" TARGETS=damon \
		INSTALL_PATH="$d/damon" install >>"$2" 2>&1 ||
		echo "# patch $1: its DAMON selftests did not build (abi-run fails it)"
}
echo "1..$((n - 1))"
rm -rf "$BISECT_OUT.abi"
for i in $(seq 0 $((n - 2))); do
	c=${commits[$i]}
	subj=$(git log -1 --format=%s "$c")
	git checkout -q --detach "$c"
	log=$BISECT_OUT.$((i + 1)).log
	# A patch that only touches tools/ leaves the kernel as the previous
	# patch built it: build what it changes, the DAMON selftests, instead.
	if ! git diff --name-only "$c^" "$c" | grep -qv '^tools/'; then
		say "bisect: building the selftests of patch $((i + 1))/$n: $subj"
		rm -rf "$BISECT_OUT.selftests"
		if make -C "$WORK_TREE/tools/testing/selftests" O="$BISECT_OUT.selftests/obj" \
			TARGETS=damon INSTALL_PATH="$BISECT_OUT.selftests/damon" install >"$log" 2>&1; then
			echo "ok $((i + 1)) builds (tools/ only: the DAMON selftests): $subj"
		else
			tail -n 20 "$log" | sed 's/^/# /'
			echo "not ok $((i + 1)) builds (tools/ only: the DAMON selftests): $subj"
		fi
		continue
	fi
	say "bisect: building patch $((i + 1))/$n: $subj"
	if "$TOP/scripts/build-guest.sh" "$WORK_TREE" "$BISECT_OUT" >"$log" 2>&1; then
		# No new warnings: the build's stderr must stay empty.
		if [ -s "$BISECT_OUT/build.err" ]; then
			sed 's/^/# /' "$BISECT_OUT/build.err" | head -n 20
			echo "not ok $((i + 1)) builds without warnings: $subj"
		else
			echo "ok $((i + 1)) builds: $subj"
		fi
		if git diff --name-only "$c^" "$c" |
			grep -qE '^(include/linux/damon\.h|mm/damon/sysfs[^/]*\.c)$'; then
			keep_abi $((i + 1)) "$log"
		fi
	else
		tail -n 20 "$log" | sed 's/^/# /'
		echo "not ok $((i + 1)) builds: $subj"
	fi
done
