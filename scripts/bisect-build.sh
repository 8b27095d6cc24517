#!/usr/bin/env bash
# Bisectability: build the guest kernel at every patch of the series in
# $WORK_TREE but the last (make test builds that one), each checked out in
# $BISECT_TREE, a git worktree of $WORK_TREE made for this (so the tree a
# developer edits is never checked out elsewhere, and may change while this
# runs: the commits are taken at the start), with its own build dir
# $BISECT_OUT. Both at the same relative places as the main tree and build,
# so ccache serves unchanged files. BISECT_BUILD=CMD runs CMD TREE OUT
# instead of scripts/build-guest.sh (the harness test's stand-in). A patch
# that only touches tools/ gets its DAMON selftests built instead of the
# kernel (which is the previous patch's). TAP.
#
# A patch that changes the DAMON ABI (include/linux/damon.h, where enum
# damos_action lives, or mm/damon/sysfs*.c) also keeps its kernel and its
# DAMON selftests in $BISECT_OUT.abi/<patch number>/, so that make test can
# boot it and run the selftests that check the ABI as that patch has them
# (scripts/abi-run.sh): each patch of the series must pass its own.
#
# A point whose tree was built before, without warnings, with the same
# compiler, config fragments and build scripts (the key below) is not built
# again: the result of a build is a function of those inputs. Its kernel is
# taken from the copy kept then, where the abi step needs it. With one
# kernel file changed in patch K, the points before K are such points.
# BISECT_REBUILD=1 builds every point.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

mapfile -t commits < <(git -C "$WORK_TREE" rev-list --reverse base..HEAD)
n=${#commits[@]}
echo "TAP version 13"
if [ "$n" -lt 2 ]; then
	echo "1..0 # SKIP fewer than two patches: the full build covers it"
	exit 0
fi
if ! git -C "$BISECT_TREE" rev-parse -q --verify HEAD >/dev/null 2>&1; then
	rm -rf "$BISECT_TREE"
	git -C "$WORK_TREE" worktree prune
	mkdir -p "$(dirname "$BISECT_TREE")"
	git -C "$WORK_TREE" worktree add -q --detach "$BISECT_TREE" "${commits[0]}" >&2
fi
cd "$BISECT_TREE"
build=${BISECT_BUILD:-$TOP/scripts/build-guest.sh}

# keep_abi N LOG [DIR]: keep the kernel just built (or the one kept in DIR
# when this tree was built before) and install the DAMON selftests of the
# checked-out patch N for scripts/abi-run.sh.
keep_abi() {
	local d=$BISECT_OUT.abi/$1 from=${3:-}
	mkdir -p "$d"
	if [ -n "$from" ]; then
		cp -l "$from/bzImage" "$from/vmlinux" "$d/"
	else
		cp "$BISECT_OUT/arch/x86/boot/bzImage" "$BISECT_OUT/vmlinux" "$d/"
	fi
	git log -1 --format=%s >"$d/subject"
	make -C "$BISECT_TREE/tools/testing/selftests" O="$d/obj" TARGETS=damon \
		INSTALL_PATH="$d/damon" install >>"$2" 2>&1 ||
		echo "# patch $1: its DAMON selftests did not build (abi-run fails it)"
}
# The inputs of a build but the tree: compiler, config fragments, scripts.
inputs=$({
	gcc --version | head -n 1
	cat "$TOP/config/guest.config" "$TOP/scripts/build-guest.sh" "$0"
	for f in ${GUEST_FRAGS:-}; do
		case $f in /*) cat "$f" ;; *) cat "$TOP/$f" ;; esac
	done
} | sha256sum | cut -c1-16)
done_dir=$BISECT_OUT.done
# built_before C: the tree of commit C was built with these inputs.
stamp() { echo "$done_dir/$(git rev-parse "$1^{tree}")-$inputs"; }
built_before() { [ -z "${BISECT_REBUILD:-}" ] && [ -f "$(stamp "$1")" ]; }

echo "1..$((n - 1))"
rm -rf "$BISECT_OUT.abi"
mkdir -p "$done_dir"
used=()
for i in $(seq 0 $((n - 2))); do
	c=${commits[$i]}
	subj=$(git log -1 --format=%s "$c")
	git checkout -q -f --detach "$c"
	log=$BISECT_OUT.$((i + 1)).log
	# A patch that only touches Documentation/ leaves the kernel as the
	# previous patch built it (no source file, Kconfig or Makefile of it
	# changes): nothing to build.
	if ! git diff --name-only "$c^" "$c" | grep -qv '^Documentation/'; then
		echo "ok $((i + 1)) builds (Documentation/ only: the kernel is the previous patch's): $subj"
		continue
	fi
	# A patch that only touches tools/ leaves the kernel as the previous
	# patch built it: build what it changes, the DAMON selftests, instead.
	if ! git diff --name-only "$c^" "$c" | grep -qv '^tools/'; then
		say "bisect: building the selftests of patch $((i + 1))/$n: $subj"
		rm -rf "$BISECT_OUT.selftests"
		if make -C "$BISECT_TREE/tools/testing/selftests" O="$BISECT_OUT.selftests/obj" \
			TARGETS=damon INSTALL_PATH="$BISECT_OUT.selftests/damon" install >"$log" 2>&1; then
			echo "ok $((i + 1)) builds (tools/ only: the DAMON selftests): $subj"
		else
			tail -n 20 "$log" | sed 's/^/# /'
			echo "not ok $((i + 1)) builds (tools/ only: the DAMON selftests): $subj"
		fi
		continue
	fi
	abi=false
	git diff --name-only "$c^" "$c" |
		grep -qE '^(include/linux/damon\.h|mm/damon/sysfs[^/]*\.c)$' && abi=true
	st=$(stamp "$c")
	used+=("$st.kernel")
	if built_before "$c" && { ! $abi || [ -f "$st.kernel/vmlinux" ]; }; then
		say "bisect: patch $((i + 1))/$n: built before ($(basename "$st")): $subj"
		echo "ok $((i + 1)) builds: $subj (this tree built before with these inputs, $(date -r "$st" +%F\ %H:%M))"
		! $abi || keep_abi $((i + 1)) "$log" "$st.kernel"
		continue
	fi
	say "bisect: building patch $((i + 1))/$n: $subj"
	if $build "$BISECT_TREE" "$BISECT_OUT" >"$log" 2>&1; then
		# No new warnings: the build's stderr must stay empty.
		if [ -s "$BISECT_OUT/build.err" ]; then
			sed 's/^/# /' "$BISECT_OUT/build.err" | head -n 20
			echo "not ok $((i + 1)) builds without warnings: $subj"
		else
			echo "ok $((i + 1)) builds: $subj"
			if $abi; then
				rm -rf "$st.kernel"
				mkdir -p "$st.kernel"
				cp "$BISECT_OUT/arch/x86/boot/bzImage" "$BISECT_OUT/vmlinux" "$st.kernel/"
			fi
			touch "$st"
		fi
		! $abi || keep_abi $((i + 1)) "$log" "$([ -f "$st" ] && echo "$st.kernel")"
	else
		tail -n 20 "$log" | sed 's/^/# /'
		echo "not ok $((i + 1)) builds: $subj"
	fi
done
# Keep only the kernels of the trees of this series.
for k in "$done_dir"/*.kernel; do
	[ -d "$k" ] || continue
	case " ${used[*]} " in *" $k "*) ;; *) rm -rf "$k" ;; esac
done
