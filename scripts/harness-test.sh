#!/usr/bin/env bash
# The harness' own safety rules, on a scratch copy (a tiny git "kernel" in a
# scratch $CACHE, the scripts copied beside their own patches/), as TAP:
#   - worktree.sh never drops commits that patches/ does not hold: it
#     refuses with a message naming 'make patches', and resets only with
#     WORKTREE_RESET=1; after make patches (format-patches.sh) it has
#     nothing to do; new patches/ (a pull) over exported work re-apply;
#   - bisect-build.sh checks each commit out in its own worktree: the work
#     tree keeps its branch, its head and a developer's uncommitted edit
#     while every build sees its own commit;
#   - summarize.py, which makes every TAP and KUnit result into make test's
#     last line, reads recorded logs as its unit tests expect;
#   - abi-run.sh never reports an earlier run's results for a boot that
#     did not happen;
#   - mail-check.py (make mail's check) passes a right mail set and fails
#     one that kept the placeholder identity or lacks a list;
#   - demo.py (make demo, make seed) does not report a wait for a steady
#     figure that timed out as settled.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
top=$tmp/top
mkdir -p "$top/patches"
cp -r "$here/scripts" "$here/config" "$top/"
cp "$here/cover-letter.txt" "$top/"
export CACHE=$tmp/cache
unset WORK_TREE WORKTREE_RESET BISECT_REBUILD
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
export GIT_AUTHOR_NAME=harness GIT_AUTHOR_EMAIL=harness@test.invalid
export GIT_COMMITTER_NAME=harness GIT_COMMITTER_EMAIL=harness@test.invalid
n=0 failed=0
check() {	# check NAME CMD...: one TAP line
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok $n harness: $name"
	else
		failed=$((failed + 1))
		echo "not ok $n harness: $name"
		sed 's/^/# /' "$tmp/out" | tail -n 15
	fi
}
ids() { git -C "$1" log --reverse --format=%H base..HEAD | while read -r c; do git -C "$1" show "$c" | git patch-id --stable | cut -d' ' -f1; done; }
wanted() { for p in "$top"/patches/0[0-9][0-9][1-9]-*.patch; do git patch-id --stable <"$p" | cut -d' ' -f1; done; }

# a tiny base, as fetch-base.sh leaves it, and a three-patch series
mkdir -p "$BASE_TREE"
git -C "$BASE_TREE" init -q
for f in a b c; do echo "$f" >"$BASE_TREE/$f"; done
git -C "$BASE_TREE" add -A
git -C "$BASE_TREE" commit -q -m base
git -C "$BASE_TREE" tag base
echo "deb:$BASE_DEB" >"$BASE_TREE/.base-stamp"
git clone -q "$BASE_TREE" "$tmp/src"
for f in a b c; do
	echo "$f 2" >>"$tmp/src/$f"
	git -C "$tmp/src" commit -q -am "change $f"
done
git -C "$tmp/src" format-patch -q -o "$top/patches" base..HEAD

echo "TAP version 13"
echo "1..12"
check "worktree.sh applies patches/ to a new tree" \
	bash -c '"$0"/scripts/worktree.sh && [ "$(git -C "$1" rev-list --count base..series)" = 3 ]' "$top" "$WORK_TREE"

# work committed in the tree, not exported
echo "local" >>"$WORK_TREE/a"
git -C "$WORK_TREE" commit -q -am "local work"
local_head=$(git -C "$WORK_TREE" rev-parse HEAD)
check "worktree.sh refuses to drop a commit not in patches/, names 'make patches'" \
	bash -c '! "$0"/scripts/worktree.sh 2>"$2/err" && grep -q "make patches" "$2/err" && grep -q "local work" "$2/err"' "$top" "$tmp"
check "the refused run left the commit on the branch" \
	test "$(git -C "$WORK_TREE" rev-parse series)" = "$local_head"
check "after make patches, worktree.sh keeps the tree (4 patches)" \
	bash -c '"$0"/scripts/format-patches.sh && "$0"/scripts/worktree.sh && [ "$(git -C "$1" rev-parse series)" = "$2" ] && ls "$0"/patches/0004-*.patch' "$top" "$WORK_TREE" "$local_head"

# an amended commit, not exported: refused; WORKTREE_RESET=1 resets
echo "amended" >>"$WORK_TREE/b"
git -C "$WORK_TREE" commit -q -a --amend -m "local work, amended"
check "worktree.sh refuses an amended commit; WORKTREE_RESET=1 resets to patches/" \
	bash -c '! "$0"/scripts/worktree.sh 2>/dev/null && WORKTREE_RESET=1 "$0"/scripts/worktree.sh && [ "$(git -C "$1" log -1 --format=%s series)" = "local work" ]' "$top" "$WORK_TREE"

# patches/ changed under exported work (a pull): applied without refusal
rm "$top"/patches/0004-*.patch
check "new patches/ over exported work are applied" \
	bash -c '"$0"/scripts/worktree.sh && [ "$(git -C "$1" rev-list --count base..series)" = 3 ]' "$top" "$WORK_TREE"

# bisect: a stand-in build records what it sees; the developer edits the
# work tree while it runs
cat >"$tmp/build" <<'SH'
#!/bin/bash
# stand-in for build-guest.sh TREE OUT: record the trees' state
{
	echo "bisect-tree $(git -C "$1" rev-parse HEAD)"
	echo "work-tree $(git -C "$WORK_TREE" symbolic-ref --short HEAD) $(git -C "$WORK_TREE" rev-parse HEAD) $(git -C "$WORK_TREE" status --porcelain | tr '\n' ' ')"
} >>"$HARNESS_SEEN"
echo "edit $RANDOM" >>"$WORK_TREE/c"
mkdir -p "$2"
SH
chmod +x "$tmp/build"
head=$(git -C "$WORK_TREE" rev-parse HEAD)
mapfile -t commits < <(git -C "$WORK_TREE" rev-list --reverse base..HEAD)
export WORK_TREE HARNESS_SEEN=$tmp/seen
check "bisect-build.sh builds each commit in its own worktree" \
	bash -c 'BISECT_BUILD="$1" "$0"/scripts/bisect-build.sh >"$2/bisect.tap" &&
		grep -c "^ok" "$2/bisect.tap" | grep -qx 2 &&
		[ "$(grep "^bisect-tree" "$3" | cut -d" " -f2 | tr "\n" " ")" = "$4 $5 " ]' \
	"$top" "$tmp/build" "$tmp" "$tmp/seen" "${commits[0]}" "${commits[1]}"
check "the work tree kept its branch, head and uncommitted edit throughout" \
	bash -c '! grep "^work-tree" "$0" | grep -v "^work-tree series $1 " &&
		[ "$(git -C "$2" rev-parse HEAD)" = "$1" ] && git -C "$2" diff --quiet HEAD -- a b &&
		! git -C "$2" diff --quiet HEAD -- c' "$tmp/seen" "$head" "$WORK_TREE"
check "summarize.py reads recorded logs as before (scripts/test_summarize.py)" \
	python3 "$here/scripts/test_summarize.py"

# abi-run.sh: a patch whose guest does not boot fails, whatever an earlier
# run left in its run dir (here the kernel is missing and CACHE is under
# /tmp: guest-run.sh refuses before it boots)
mkdir -p "$BISECT_OUT.abi/4/damon" "$RUN_DIR/abi-4/out"
printf '#!/bin/sh\n' >"$BISECT_OUT.abi/4/damon/run_kselftest.sh"
chmod +x "$BISECT_OUT.abi/4/damon/run_kselftest.sh"
echo "a patch" >"$BISECT_OUT.abi/4/subject"
printf 'ok 1 selftests: damon: sysfs.py\n' >"$RUN_DIR/abi-4/out/damon.tap"
check "abi-run.sh fails a patch whose guest did not run, not an earlier run's result" \
	bash -c '"$0"/scripts/abi-run.sh >"$1/abi.tap" 2>&1; grep -q "^not ok 1 abi: patch 4" "$1/abi.tap" && ! grep -q "^ok" "$1/abi.tap"' "$top" "$tmp"

# mail-check.py on two mails written here: a cover letter and one patch
mkmail() {	# mkmail DIR FROM SIGNOFF CC
	mkdir -p "$1"
	printf 'From: %s\nSubject: [PATCH 0/1] x\nTo: M <m@test.invalid>\nCc: %s\n\nbody\nbase-commit: 0123\n' \
		"$2" "$4" >"$1/0000-cover-letter.patch"
	printf 'From: %s\nSubject: [PATCH 1/1] mm/damon: x\nTo: M <m@test.invalid>\nCc: %s\n\nwhy\n\nSigned-off-by: %s\n---\ndiff --git a/mm/damon/core.c b/mm/damon/core.c\n' \
		"$2" "$4" "$3" >"$1/0001-mm-damon-x.patch"
}
me="A Sender <a@test.invalid>" ph="Placeholder <p@test.invalid>"
lists="damon@lists.linux.dev, linux-mm@kvack.org"
mkmail "$tmp/mail-ok" "$me" "$me" "$lists"
mkmail "$tmp/mail-ph" "$ph" "$ph" "$lists"
mkmail "$tmp/mail-cc" "$me" "$me" "linux-mm@kvack.org"
check "mail-check.py passes a mail set from and signed off by the sender, with its lists" \
	"$here/scripts/mail-check.py" "$tmp/mail-ok" "$me" "$ph"
check "mail-check.py fails a mail set that kept the placeholder identity, or lacks a list" \
	bash -c '! "$0" "$1/mail-ph" "$2" "$3" && ! "$0" "$1/mail-cc" "$2" "$3"' \
	"$here/scripts/mail-check.py" "$tmp" "$me" "$ph"
# demo.py imports the selftests' _damon_folio for the page sizes: a stub
mkdir -p "$tmp/stub"
printf 'page_size = 4096\n\n\ndef pmd_size():\n    return 2 << 20\n\n\ndef pmd_order():\n    return 9\n' \
	>"$tmp/stub/_damon_folio.py"
check "demo.py reports a wait for a steady figure that timed out as not settled" \
	env PYTHONPATH="$tmp/stub" PYTHONDONTWRITEBYTECODE=1 python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
import demo
assert demo.settle_note(False, 300).startswith("NOT settled"), "timed out"
assert demo.settle_note(True, 5) == "settled after 5 s", "settled"
' "$here/guest"
echo "# harness: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
