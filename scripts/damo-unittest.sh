#!/usr/bin/env bash
# damo's unit tests (tests/unit/test_*.py, each a unittest script, as
# upstream's tests/unit/test.sh runs them) with /usr/bin/python3 on the damo
# tree of scripts/damo-source.sh: the patched tree by default, the unpatched
# base with --base, or the tree given as the argument.  Prints each file's
# result, the output of failing ones, and last the line
#   damo unit tests: N passed, M failed
# (N and M count test cases; a file that fails before its tests run counts
# as one failure).  Exits non-zero if anything failed or nothing ran.
# DAMO_TAP=FILE also writes one TAP line per test case there (make test).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || die "$PY not found (Debian's python3 package)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case "${1:-}" in
"")	tree=$("$TOP/scripts/damo-source.sh") ;;
--base)
	src=$("$TOP/scripts/damo-source.sh")
	tree=$tmp/base
	mkdir -p "$tree"
	git -C "$src" archive 'base^{commit}' | tar -x -C "$tree"
	;;
*)	tree=$(cd "$1" && pwd) ;;
esac
[ -f "$tree/src/damo.py" ] || die "$tree is not a damo tree"

# Upstream's tests import tests/unit/_test_damo_common.py for the path to
# src/.  A base rebuilt from the binary package has no tests/ (see
# damo-source.sh); give the series' tests the same helper from outside the
# tree then.
if [ ! -f "$tree/tests/unit/_test_damo_common.py" ]; then
	mkdir -p "$tmp/shim"
	cat >"$tmp/shim/_test_damo_common.py" <<'EOF'
# Stand-in for damo's tests/unit/_test_damo_common.py (not in this tree).
import os
import sys

def test_input_expects(testcase, function, input_expects):
    for input_ in input_expects:
        testcase.assertEqual(function(input_), input_expects[input_])

def test_input_expects_funcs(testcase, functions, input_expects):
    for input_ in input_expects:
        for idx, expect in enumerate(input_expects[input_]):
            test_input_expects(testcase, functions[idx], {input_: expect})

def add_damo_dir_to_syspath():
    sys.path.append(os.path.join(os.path.dirname(
        os.path.realpath(sys.argv[0])), '..', '..', 'src'))
EOF
	export PYTHONPATH=$tmp/shim${PYTHONPATH:+:$PYTHONPATH}
	say "damo-unittest: $tree has no tests/unit/_test_damo_common.py; using a stand-in"
fi

# damo keeps a feature cache in $HOME/.damo.sysinfo: keep the user's apart.
export HOME=$tmp/home PYTHONDONTWRITEBYTECODE=1
mkdir -p "$HOME"
passed=0 failed=0 files=0
: >"$tmp/tap"
for t in "$tree"/tests/unit/test_*.py; do
	[ -f "$t" ] || continue
	files=$((files + 1))
	name=$(basename "$t")
	rc=0
	(cd "$(dirname "$t")" && "$PY" "$t" -v) >"$tmp/out" 2>&1 || rc=$?
	ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' "$tmp/out" | tail -n1)
	bad=0
	if line=$(grep -E '^FAILED \(' "$tmp/out" | tail -n1); then
		for k in failures errors unexpected_successes; do
			n=$(sed -n "s/.*$k=\([0-9]*\).*/\1/p" <<<"$line")
			bad=$((bad + ${n:-0}))
		done
	fi
	if [ -z "$ran" ]; then
		ran=1 bad=1
	elif [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1
	fi
	# unittest -v: "test_x (module.Class.test_x) ... ok|FAIL|ERROR|skipped"
	sed -nE "s/^(test[A-Za-z0-9_]*) \(.*\) \.\.\. (ok|FAIL|ERROR|skipped.*)\$/\2 $name: \1/p" \
		"$tmp/out" >>"$tmp/tap"
	[ "$rc" -eq 0 ] || grep -q "^[A-Z]* $name: " "$tmp/tap" || echo "FAIL $name: did not run" >>"$tmp/tap"
	passed=$((passed + ran - bad))
	failed=$((failed + bad))
	if [ "$rc" -eq 0 ] && [ "$bad" -eq 0 ]; then
		echo "PASS $name ($ran)"
	else
		echo "FAIL $name ($bad of $ran)"
		sed 's/^/    /' "$tmp/out"
	fi
done
[ "$files" -gt 0 ] || say "damo-unittest: no tests/unit/test_*.py in $tree"
echo "damo unit tests: $passed passed, $failed failed"
if [ -n "${DAMO_TAP:-}" ]; then
	{
		echo "TAP version 13"
		echo "1..$(wc -l <"$tmp/tap")"
		awk '{ r = $1; $1 = ""; sub(/^ /, "");
			if (r == "ok") print "ok " NR " damo unit: " $0;
			else if (r ~ /^skipped/) print "ok " NR " damo unit: " $0 " # SKIP";
			else print "not ok " NR " damo unit: " $0 }' "$tmp/tap"
	} >"$DAMO_TAP"
fi
[ "$failed" -eq 0 ] && [ "$files" -gt 0 ]
