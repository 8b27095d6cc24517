#!/usr/bin/env bash
# Build, on the host, what the guest runs: the DAMON kselftests (installed
# with kselftest's own install target, run_kselftest.sh included) with the
# repo's extended suite (tests/damon/) beside them, and the mm THP selftests
# that cover MADV_COLLAPSE and folio splitting.
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
# The extended suite (tests/damon/: the stress, the sysfs fuzz and the
# folio tests that are not in the series), installed beside the series'
# DAMON selftests and appended to their kselftest-list.txt, so that the
# stock runner runs them with the others, under the same settings.
ext=$out/damon/damon
cp "$TOP"/tests/damon/*.py "$ext/"
cp "$src/tools/testing/selftests/damon/folio_mem.c" "$out/folio_mem_ext.c"
patch -s "$out/folio_mem_ext.c" "$TOP/tests/damon/folio_mem_ext.diff" ||
	die "tests/damon/folio_mem_ext.diff does not apply to the series' folio_mem.c"
gcc -O2 -Wall -Wextra -Werror -o "$ext/folio_mem_ext" "$out/folio_mem_ext.c"
gcc -O2 -Wall -Wextra -Werror -o "$ext/damos_stress" "$TOP/tests/damon/damos_stress.c"
for t in "$TOP"/tests/damon/damos_*.py; do
	echo "damon:$(basename "$t")" >>"$out/damon/kselftest-list.txt"
done
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
