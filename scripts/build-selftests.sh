#!/usr/bin/env bash
# Build, on the host, what the guest runs: the DAMON kselftests (installed
# with kselftest's own install target, run_kselftest.sh included) and the mm
# THP selftests that cover MADV_COLLAPSE and folio splitting.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

src=${1:-$WORK_TREE}
out=$CACHE/build/selftests
mkdir -p "$out"
say "selftests: building damon kselftests and mm THP tests from $src"
rm -rf "$out/damon"
make -s -C "$src/tools/testing/selftests" O="$out/obj" TARGETS=damon \
	INSTALL_PATH="$out/damon" install >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log" >&2; die "damon kselftests did not build"; }
mkdir -p "$out/mm"
make -s -C "$src/tools/testing/selftests/mm" OUTPUT="$out/mm" \
	"$out/mm/khugepaged" "$out/mm/split_huge_page_test" >>"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log" >&2; die "mm selftests did not build"; }
# Our own guest-side runner, and the demo at test size (guest/demo.py).
cp "$TOP/guest/run_tests.py" "$TOP/guest/tap.py" "$out/"
mkdir -p "$out/demo"
gcc -O2 -Wall -Wextra -Werror -o "$out/demo/hotset" "$TOP/demo/hotset.c"
cp "$TOP/guest/demo.py" "$TOP/guest/damo_check.py" "$TOP/guest/pagemap.py" "$out/demo/"
# demo.py reads THP sizes and settings with the selftests' helpers
cp "$src/tools/testing/selftests/damon/_damon_folio.py" \
	"$src/tools/testing/selftests/damon/_damon_sysfs.py" "$out/demo/"
ln -sfn "$("$TOP/scripts/fetch-damo.sh")" "$out/demo/damo"
# The benchmark (make bench; its smoke run in make test).
mkdir -p "$out/bench"
gcc -O2 -Wall -Wextra -Werror -o "$out/bench/benchmem" "$TOP/bench/benchmem.c"
cp "$TOP/bench/bench.py" "$TOP/guest/pagemap.py" "$out/bench/"
say "selftests: ready in $out"
