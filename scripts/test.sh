#!/usr/bin/env bash
# make test: everything, on the series in patches/ applied to the base.
#   checkpatch --strict on each patch, guest kernel build at each patch
#   (bisectability) and, for the patches that change the DAMON ABI, a boot
#   running their own sysfs.py; in QEMU guests on the patched debug kernel:
#   KUnit (built in, run at boot), the DAMON kselftests, the mm THP
#   selftests, the demo scenario, a smoke run of the benchmark and a short
#   run of the stress and sysfs fuzz (make stress: long, on KASAN), and
#   damo with damo-patches/ (its unit tests on the host, guest/damo_check.py
#   against the kernel).
#   Last line: "N passed, N failed[, N skipped]". SUITES="checkpatch kunit ..."
#   limits it. The summary gives every step's and guest program's wall time.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

suites=${SUITES:-harness checkpatch mail damo bisect kunit damon mm demo bench stress}
has() { case " $suites " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
res=$CACHE/results/test
rm -rf "$res"
mkdir -p "$res"
times=$res/times.tsv
args=()
t0=$(date +%s)

timed deps "$TOP/scripts/deps.sh"
timed worktree "$TOP/scripts/worktree.sh"

# The harness' own safety rules (worktree.sh keeps unexported commits, the
# bisect step builds in its own worktree), on a scratch copy: seconds.
if has harness; then
	timed harness "$TOP/scripts/harness-test.sh" >"$res/harness.tap" 2>"$res/harness.log" || true
	args+=("harness=tap:$res/harness.tap")
fi
if has checkpatch; then
	timed checkpatch "$TOP/scripts/checkpatch.sh" >"$res/checkpatch.tap"
	args+=("checkpatch=tap:$res/checkpatch.tap")
fi
# make mail, with a test identity: every patch From and signed off by it,
# To/Cc per patch from get_maintainer.pl, read by git send-email --dry-run.
if has mail; then
	MAIL_CHECK=1 MAIL_NAME="Make Test" MAIL_EMAIL=make-test@example.org MAIL_OUT=$res/mail \
		timed mail "$TOP/scripts/mail.sh" >"$res/mail.log" 2>&1 || true
	{
		echo "1..2"
		sed 's/^/# /' "$res/mail.log" | grep -v '^# (mbox)' | tail -n 30
		if grep -q '^mail-check: .*: OK$' "$res/mail.log"; then
			echo "ok 1 mail: each patch From and Signed-off-by the sender (no placeholder left), To/Cc per patch from get_maintainer.pl, the cover letter the union"
		else
			echo "not ok 1 mail: the patches' headers (see $res/mail.log)"
		fi
		if grep -q 'git send-email --dry-run: all [0-9]* mails OK' "$res/mail.log"; then
			echo "ok 2 mail: git send-email --dry-run takes every mail"
		else
			echo "not ok 2 mail: git send-email --dry-run (see $res/mail.log)"
		fi
	} >"$res/mail.tap"
	args+=("mail=tap:$res/mail.tap")
fi
# damo with damo-patches/: its unit tests here, its use of the patched
# kernel in the guest (suite damo, guest/damo_check.py).
if has damo; then
	DAMO_TAP=$res/damo-unit.tap timed damo-unit "$TOP/scripts/damo-unittest.sh" >"$res/damo-unit.log" 2>&1 || true
	[ -s "$res/damo-unit.tap" ] || printf '1..1\nnot ok 1 damo unit: no results (%s)\n' "$res/damo-unit.log" >"$res/damo-unit.tap"
	args+=("damo-unit=tap:$res/damo-unit.tap")
fi

# The guest suites run in two QEMU guests at once. Each guest is one TCG
# thread (two vCPUs), so two guests use the machine's two cores, and the
# second costs no time of the first. The groups are balanced by the times
# measured (README "Timings"): KUnit and the DAMON kselftests in guest a,
# the mm THP tests, the demo scenario and the stress (3 x 20 s) with the
# sysfs fuzz in b; the benchmark's smoke run in c, when b is done (beside
# the end of a). The bisect builds and ABI boots run beside them at nice 19.
# The suites do not depend on each other; each guest starts from a fresh
# boot.
# KUnit: the DAMON suites are built into the guest kernel (config/
# guest.config) and run at the boot of guest a; kunit.py parses their KTAP
# from its console log. (make kunit runs them on UML with kunit.py run.)
group_a="" group_b="" group_c="" kunit_a=()
if has kunit; then
	kunit_a=(--kunit)
	group_a+=" none"
fi
has damon && group_a+=" damon-timing damon"
has mm && group_b+=" mm"
has demo && group_b+=" demo"
has damo && group_b+=" damo"
# The benchmark's smoke run measures CPU times, which are 4 ms ticks with
# the jiffies clocksource the guests fall back to: it runs in a third,
# short boot (after b) with the TSC clocksource. Guest b is not given
# the TSC: its demo suite then took 12 min instead of 7 1/2 (2026-11-29).
has bench && group_c+=" bench"
has stress && group_b+=" stress sigterm"
guest_suites="$group_a$group_b$group_c"
built=false
if [ -n "$guest_suites" ] || has bisect; then
	# The full series first: the bisect builds then hit ccache.
	timed build "$TOP/scripts/build-guest.sh" && built=true
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
# Bisectability: the guest kernel at every patch, then the kernels of the
# patches that change the DAMON ABI booted with their own ABI selftests
# (sysfs.py). Beside guests a and b when they run (below), else here.
run_bisect() {
	timed bisect "$TOP/scripts/bisect-build.sh" >"$res/bisect.tap" || true
	timed abi "$TOP/scripts/abi-run.sh" >"$res/abi.tap" || true
}
bisect_beside=false
if has bisect; then
	args+=("bisect=tap:$res/bisect.tap" "abi=tap:$res/abi.tap")
	if [ -n "$group_a$group_b" ] && $built; then
		bisect_beside=true
	else
		run_bisect
	fi
fi

# guest_group NAME SUITES...: one guest boot running these suites.
guest_group() {
	local name=$1
	shift
	local -a opts=()
	[ "$name" = test-a ] && opts=(${kunit_a[@]+"${kunit_a[@]}"})
	# The benchmark's smoke run measures CPU times: the TSC clocksource
	# (lib.sh), as make bench has, or a short action can take 0 ticks.
	local append=${GUEST_APPEND:-}
	case " $* " in *" bench "*) append="${append:+$append }$(tsc_append)" ;; esac
	# The stress suite at a short duration (make stress runs it longer, on
	# the KASAN kernel).
	GUEST_APPEND=$append "$TOP/scripts/guest-run.sh" -n "$name" -t "${GUEST_TIMEOUT:-3600}" ${opts[@]+"${opts[@]}"} -- \
		env DAMOS_STRESS_SECONDS="${STRESS_SECONDS:-20}" DAMOS_FUZZ_WRITES="${FUZZ_WRITES:-1000}" \
		"$CACHE/build/selftests/run_tests.py" "$CACHE/build/selftests" "$@" ||
		say "test: the guest run $name failed (see above); missing results count as failures"
}
if [ -n "$guest_suites" ]; then
	if $built && timed selftests-build "$TOP/scripts/build-selftests.sh"; then
		start=$(date +%s)
		pids=()
		for g in a b; do
			eval "group=\$group_$g"
			# guest c (the bench smoke) boots when b is done
			after=""
			[ "$g" = b ] && after=$group_c
			[ -n "$group$after" ] || continue
			# shellcheck disable=SC2086
			{
				[ -z "$group" ] || guest_group "test-$g" $group
				[ -z "$after" ] || guest_group test-c $after
			} &
			pids+=($!)
		done
		# The bisect builds and ABI boots use what the guests leave of
		# the two cores: each guest is one TCG thread that idles while
		# its tests wait for DAMON (about 30 % of the time, measured
		# 2026-11-29), and at nice 19 they yield to the guests at once.
		# They share nothing with the guests (own build dir, own boots;
		# the guests run the selftests installed above).
		if $bisect_beside; then
			(renice -n 19 -p "$BASHPID" >/dev/null && run_bisect) &
			pids+=($!)
		fi
		for p in "${pids[@]}"; do wait "$p" || true; done
		printf '%s\t\t%s\n' guests $(($(date +%s) - start)) >>"$times"
		for g in a b c; do
			eval "group=\$group_$g"
			for s in $group; do
				[ "$s" = none ] && continue
				args+=("$s=tap:$RUN_DIR/test-$g/out/$s.tap")
			done
			[ -n "$group" ] || continue
			# the guest brought up the CPUs it was started with
			args+=("cpus-$g=tap:$RUN_DIR/test-$g/out/cpus.tap")
			# each suite left the guest as it found it (run_tests.py)
			[ "$group" != " none" ] &&
				args+=("clean-$g=tap:$RUN_DIR/test-$g/out/clean.tap")
			cat "$RUN_DIR/test-$g/out/times.tsv" >>"$times" 2>/dev/null || true
			# A kernel splat anywhere in the run fails it.
			[ -s "$RUN_DIR/test-$g/splats" ] &&
				args+=("kernel-log-$g=missing:WARN/BUG/lockdep report in $RUN_DIR/test-$g/console.log")
		done
		if has kunit; then
			timed kunit "$TOP/scripts/kunit.sh" --parse "$RUN_DIR/test-a/console.log" "$res/kunit.json" || true
			args+=("kunit=kunit-json:$res/kunit.json")
		fi
	else
		! $bisect_beside || run_bisect
		for s in $guest_suites; do
			[ "$s" = none ] && s=kunit
			args+=("$s=missing:guest kernel or selftests did not build")
		done
	fi
fi
printf '%s\t\t%s\n' total $(($(date +%s) - t0)) >>"$times"
say "test: finished in $(($(date +%s) - t0)) s"
echo
rc=0
python3 "$TOP/scripts/summarize.py" --times "$times" "${args[@]}" | tee "$res/summary.txt" || rc=$?
save_results test "$res/summary.txt"
exit "$rc"
