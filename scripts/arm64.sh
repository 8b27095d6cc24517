#!/usr/bin/env bash
# make arm64: the series on arm64, with 4K and 64K base pages (ARM64_PAGES,
# default "4k 64k"). For each: an arm64 kernel cross-built from the patched
# tree (config/guest.config + config/arm64.config + config/arm64-PAGES.config:
# the same debug options as the x86_64 guest), booted in qemu-system-aarch64
# (virt, -cpu max, TCG) with a root of Debian arm64 packages
# (scripts/arm64-root.sh), the DAMON KUnit suites at boot, and the series'
# DAMON selftests (cross-built) with the stock kselftest runner
# (ARM64_TESTS to choose). Not part of make test (README: make arm64).
# Last line: "N passed, N failed[, N skipped]".
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

pages=${ARM64_PAGES:-4k 64k}
tests=${ARM64_TESTS:-damos_target_order_input.py damos_collapse.py damos_split.py damos_split_edges.py damos_split_recollapse.py damos_collapse_converged.py damos_collapse_rules.py sysfs.py}
res=$CACHE/results/arm64
rm -rf "$res"
mkdir -p "$res"
times=$res/times.tsv
t0=$(date +%s)

need=()
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v qemu-system-aarch64 >/dev/null || need+=(qemu-system-arm)
if [ ${#need[@]} -gt 0 ]; then
	say "arm64: installing ${need[*]}"
	timed deps-arm64 env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
timed deps "$TOP/scripts/deps.sh"
timed worktree "$TOP/scripts/worktree.sh"
timed root "$TOP/scripts/arm64-root.sh" >/dev/null

# The selftests, cross-built once: their programs read the page and PMD
# sizes at run time.
sel=$CACHE/build/arm64-selftests
build_selftests() {
	rm -rf "$sel/damon"
	mkdir -p "$sel"
	make -s -C "$WORK_TREE/tools/testing/selftests" O="$sel/obj" TARGETS=damon \
		ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- INSTALL_PATH="$sel/damon" \
		install >"$sel/build.log" 2>&1 ||
		{ tail -n 30 "$sel/build.log" >&2; return 1; }
	cp "$TOP/guest/run_tests.py" "$TOP/guest/tap.py" "$sel/"
}
timed selftests-build build_selftests

ksft_args=""
for t in $tests; do ksft_args+=" -t damon:$t"; done
args=()
for p in $pages; do
	out=$CACHE/build/arm64-$p
	if ! timed "kernel-$p" env GUEST_ARCH=arm64 GUEST_FRAGS="config/arm64-$p.config" \
		"$TOP/scripts/build-guest.sh" "$WORK_TREE" "$out"; then
		args+=("arm64-$p=missing:the arm64 $p kernel did not build ($out/build.err)")
		continue
	fi
	# 64K pages: 512 MiB THPs, and the tests map four of them and more
	mem=3G
	[ "$p" = 64k ] && mem=10G
	GUEST_ARCH=arm64 GUEST_KERNEL=$out/arch/arm64/boot/Image GUEST_VMLINUX=$out/vmlinux \
		timed "guest-$p" "$TOP/scripts/guest-run.sh" -n "arm64-$p" -m "$mem" \
		-t "${ARM64_TIMEOUT:-5400}" --kunit -- \
		env KSFT_ARGS="$ksft_args" "$sel/run_tests.py" "$sel" damon || true
	o=$RUN_DIR/arm64-$p
	if [ -s "$o/out/damon.tap" ]; then
		sed "s/selftests: damon:/arm64 $p: damon:/" "$o/out/damon.tap" >"$res/damon-$p.tap"
		args+=("arm64-$p=tap:$res/damon-$p.tap")
	else
		args+=("arm64-$p=missing:no results from the $p guest ($o/console.log)")
	fi
	"$TOP/scripts/kunit.sh" --parse "$o/console.log" "$res/kunit-$p.json" 2>/dev/null &&
		args+=("kunit-$p=kunit-json:$res/kunit-$p.json") ||
		args+=("kunit-$p=missing:no KUnit results in $o/console.log")
	[ -s "$o/splats" ] && args+=("kernel-log-$p=missing:WARN/BUG/lockdep report in $o/console.log")
	grep -aE '^\[ *[0-9.]+\] (Linux version|Kernel command line)' "$o/console.log" >"$res/boot-$p.txt" || true
done
printf '%s\t\t%s\n' total $(($(date +%s) - t0)) >>"$times"
say "arm64: finished in $(($(date +%s) - t0)) s"
echo
rc=0
python3 "$TOP/scripts/summarize.py" --times "$times" "${args[@]}" | tee "$res/summary.txt" || rc=$?
save_results arm64 "$res/summary.txt"
exit "$rc"
