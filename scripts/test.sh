#!/usr/bin/env bash
# make test: everything, on the series in patches/ applied to the base.
#   checkpatch --strict on each patch, guest kernel build at each patch
#   (bisectability), KUnit (UML), and in a QEMU guest on the patched debug
#   kernel: the DAMON kselftests and the mm THP selftests. Last line:
#   "N passed, N failed[, N skipped]". SUITES="checkpatch kunit ..." limits it.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

suites=${SUITES:-checkpatch bisect kunit damon mm demo}
has() { case " $suites " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
res=$CACHE/results
rm -rf "$res"
mkdir -p "$res"
args=()
t0=$(date +%s)

"$TOP/scripts/deps.sh"
"$TOP/scripts/worktree.sh"

if has checkpatch; then
	"$TOP/scripts/checkpatch.sh" >"$res/checkpatch.tap"
	args+=("checkpatch=tap:$res/checkpatch.tap")
fi
guest_suites=""
has damon && guest_suites+=" damon-timing damon"
has mm && guest_suites+=" mm"
has demo && guest_suites+=" demo"
built=false
if [ -n "$guest_suites" ] || has bisect; then
	# The full series first: the bisect builds then hit ccache.
	"$TOP/scripts/build-guest.sh" && built=true
	args+=("build=tap:$res/build.tap")
	{
		echo "1..1"
		if ! $built; then
			echo "not ok 1 guest kernel builds with the whole series"
		elif [ -s "$GUEST_OUT/build.err" ]; then
			sed 's/^/# /' "$GUEST_OUT/build.err" | head -n 20
			echo "not ok 1 guest kernel builds without warnings"
		else
			echo "ok 1 guest kernel builds with the whole series, no warnings"
		fi
	} >"$res/build.tap"
fi
if has bisect; then
	"$TOP/scripts/bisect-build.sh" >"$res/bisect.tap" || true
	args+=("bisect=tap:$res/bisect.tap")
fi
if has kunit; then
	"$TOP/scripts/kunit.sh" "$res/kunit.json" || true
	args+=("kunit=kunit-json:$res/kunit.json")
fi
if [ -n "$guest_suites" ]; then
	if $built && "$TOP/scripts/build-selftests.sh"; then
		"$TOP/scripts/guest-run.sh" -n test -t 3600 -- \
			"$CACHE/build/selftests/run-tests.sh" "$CACHE/build/selftests" $guest_suites ||
			say "test: the guest run failed (see above); missing results count as failures"
		for s in $guest_suites; do
			args+=("$s=tap:$RUN_DIR/test/out/$s.tap")
		done
		# A kernel splat anywhere in the run fails it.
		[ -s "$RUN_DIR/test/splats" ] && args+=("kernel-log=missing:WARN/BUG/lockdep report in $RUN_DIR/test/console.log")
	else
		for s in $guest_suites; do args+=("$s=missing:guest kernel or selftests did not build"); done
	fi
fi
say "test: finished in $(($(date +%s) - t0)) s"
echo
python3 "$TOP/scripts/summarize.py" "${args[@]}"
