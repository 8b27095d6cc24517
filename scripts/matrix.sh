#!/usr/bin/env bash
# make matrix: mm/ (mm/damon/ included) of the series built, W=1, in the
# configurations the guest config does not cover: THP off, DAMON_VADDR
# off, DEBUG_FS off, MEMCG off, and i386 with PAE (a 32-bit THP build).
# The rest of the matrix: make test builds every patch (bisect) and make
# arm64 cross-builds arm64.  TAP to $CACHE/results/matrix.tap; a build
# error, or a W=1 warning in a file the series touches, fails its line.
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
	echo "1..${#configs[@]}"
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
} | tee "$res/matrix.tap"
python3 "$TOP/scripts/summarize.py" "matrix=tap:$res/matrix.tap" | tee "$res/matrix.txt"
save_results matrix "$res/matrix.txt" "$res/matrix.tap"
