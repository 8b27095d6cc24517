#!/usr/bin/env bash
# make matrix: mm/ (mm/damon/ included) of the series built, W=1, in the
# configurations the guest config does not cover: THP off, DAMON_VADDR
# off, DEBUG_FS off, MEMCG off, and i386 with PAE (a 32-bit THP build);
# sparse (C=2) over the files the series touches, against the same files
# of the base (no new sparse warning); and every patch of the series with
# THP off (mm/, W=1).  The rest of the matrix: make test builds every
# patch with the guest config (bisect), make arm64 cross-builds arm64.
# TAP to $CACHE/results/matrix.tap; a build error, or a W=1 or new sparse
# warning in a file the series touches, fails its line.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/deps.sh"
"$TOP/scripts/worktree.sh"
configs=(
	"nothp x86_64 CONFIG_TRANSPARENT_HUGEPAGE=n"
	"novaddr x86_64 CONFIG_DAMON_VADDR=n"
	"nodebugfs x86_64 CONFIG_DEBUG_FS=n"
	"nomemcg x86_64 CONFIG_MEMCG=n"
	"i386 i386 CONFIG_X86_PAE=y"
)
files=$(git -C "$WORK_TREE" diff --name-only base..HEAD -- mm include | sed 's#.*/##; s#\.[ch]$##' | sort -u | paste -sd'|')
res=$CACHE/results
mkdir -p "$res"
{
	echo "TAP version 13"
	echo "1..$((${#configs[@]} + 2))"
	n=0
	for c in "${configs[@]}"; do
		read -r name arch opts <<<"$c"
		n=$((n + 1))
		out=$CACHE/build/matrix-$name
		mkdir -p "$out"
		{ cat "$TOP/config/guest.config" "$TOP/config/bench.config"; tr ' ' '\n' <<<"$opts"; } >"$out/frag"
		make -s -C "$WORK_TREE" O="$out" ARCH="$arch" KCONFIG_ALLCONFIG="$out/frag" allnoconfig >/dev/null 2>&1
		bad=""
		for o in $opts; do grep -qx "$o" "$out/.config" || { [ "${o#*=}" = n ] && ! grep -q "^${o%%=*}=" "$out/.config"; } || bad+=" $o"; done
		t0=$(date +%s)
		if [ -n "$bad" ]; then
			echo "not ok $n matrix: $name: options did not stick:$bad"
		elif ! make -s -C "$WORK_TREE" O="$out" ARCH="$arch" CC="ccache gcc" -j"$JOBS" W=1 mm/ >"$out/build.log" 2>&1; then
			grep -E "error" "$out/build.log" | head -n 10 | sed 's/^/# /'
			echo "not ok $n matrix: $name: mm/ does not build ($out/build.log)"
		elif grep "warning:" "$out/build.log" | grep -qE "($files)\.[ch]"; then
			grep "warning:" "$out/build.log" | grep -E "($files)\.[ch]" | head -n 10 | sed 's/^/# /'
			echo "not ok $n matrix: $name: W=1 warnings in the series' files"
		else
			echo "ok $n matrix: $name ($opts): mm/ builds, W=1, no warning in the series' files ($(ls "$out"/mm/damon/*.o | wc -l) mm/damon objects, $(($(date +%s) - t0)) s)"
		fi
	done

	# sparse: the objects of the files the series touches, at the series
	# and at the base, same config; a warning is new if the base does not
	# have it (compared without line numbers).
	n=$((n + 1))
	objs=$(git -C "$WORK_TREE" diff --name-only base..HEAD -- 'mm/*.c' | sed 's/\.c$/.o/' | tr '\n' ' ')
	sparse=$("$TOP/scripts/sparse.sh")
	t0=$(date +%s)
	for side in base series; do
		out=$CACHE/build/matrix-sparse-$side
		tree=$WORK_TREE
		[ $side = series ] || tree=$BASE_TREE
		mkdir -p "$out"
		cat "$TOP/config/guest.config" >"$out/frag"
		make -s -C "$tree" O="$out" KCONFIG_ALLCONFIG="$out/frag" allnoconfig >/dev/null 2>&1
		# objects the base does not have (new files) are skipped there
		have=""
		for o in $objs; do [ -f "$tree/${o%.o}.c" ] && have+=" $o"; done
		make -s -C "$tree" O="$out" CC="ccache gcc" -j"$JOBS" C=2 CHECK="$sparse" W=1 $have >"$out/build.log" 2>&1 || true
		grep -E "^[^ ]*\.[ch]:[0-9]+:[0-9]+: (warning|error):" "$out/build.log" |
			sed -E 's/^([^:]*):[0-9]+:[0-9]+:/\1:/; s#^.*/(mm|include)/#\1/#' | sort >"$out/sparse.txt" || true
	done
	new=$(comm -13 "$CACHE/build/matrix-sparse-base/sparse.txt" "$CACHE/build/matrix-sparse-series/sparse.txt" | grep -E "($files)\.[ch]" || true)
	if grep -q "specified, but .* is not available" "$CACHE"/build/matrix-sparse-*/build.log; then
		echo "not ok $n matrix: sparse: the kernel refused $sparse (scripts/checker-valid.sh)"
	elif [ -n "$new" ]; then
		echo "$new" | head -n 10 | sed 's/^/# /'
		echo "not ok $n matrix: sparse (C=2): new warnings in the series' files"
	else
		echo "ok $n matrix: sparse (C=2, W=1) on $(wc -w <<<"$objs") objects the series touches: no new warning ($(wc -l <"$CACHE/build/matrix-sparse-series/sparse.txt") at the series, $(wc -l <"$CACHE/build/matrix-sparse-base/sparse.txt") at the base, $(($(date +%s) - t0)) s)"
	fi

	# every patch with THP off: mm/ at each commit, in a worktree of its own
	n=$((n + 1))
	tree=$CACHE/matrix-tree/linux
	out=$CACHE/build/matrix-nothp-each
	if ! git -C "$tree" rev-parse -q --verify HEAD >/dev/null 2>&1; then
		rm -rf "$tree"
		git -C "$WORK_TREE" worktree prune
		mkdir -p "$(dirname "$tree")"
		git -C "$WORK_TREE" worktree add -q --detach "$tree" base >&2
	fi
	mkdir -p "$out"
	{ cat "$TOP/config/guest.config" "$TOP/config/bench.config"; echo CONFIG_TRANSPARENT_HUGEPAGE=n; } >"$out/frag"
	git -C "$tree" checkout -q -f --detach base
	make -s -C "$tree" O="$out" KCONFIG_ALLCONFIG="$out/frag" allnoconfig >/dev/null 2>&1
	t0=$(date +%s)
	failed=""
	k=0
	for c in $(git -C "$WORK_TREE" rev-list --reverse base..HEAD); do
		k=$((k + 1))
		git -C "$tree" checkout -q -f --detach "$c"
		if ! make -s -C "$tree" O="$out" CC="ccache gcc" -j"$JOBS" W=1 mm/ >"$out/build.$k.log" 2>&1; then
			failed+=" $k"
			grep error "$out/build.$k.log" | head -n 5 | sed "s/^/# patch $k: /"
		elif grep "warning:" "$out/build.$k.log" | grep -qE "($files)\.[ch]"; then
			failed+=" $k"
			grep "warning:" "$out/build.$k.log" | grep -E "($files)\.[ch]" | head -n 5 | sed "s/^/# patch $k: /"
		fi
	done
	if [ -n "$failed" ]; then
		echo "not ok $n matrix: THP off at every patch: patches$failed fail"
	else
		echo "ok $n matrix: THP off at every patch: mm/ builds W=1, no warning in the series' files, at each of $k patches ($(($(date +%s) - t0)) s)"
	fi
} | tee "$res/matrix.tap"
python3 "$TOP/scripts/summarize.py" "matrix=tap:$res/matrix.tap" | tee "$res/matrix.txt"
save_results matrix "$res/matrix.txt" "$res/matrix.tap"
