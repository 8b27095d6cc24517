#!/usr/bin/env bash
# Make $WORK_TREE = base + the series in patches/ (git am), the tree every
# build and test uses. Reused as is when its commits already match patches/;
# otherwise reset to base and re-applied, but never over work that is not in
# patches/: refused if the tree has uncommitted edits, or commits made since
# the series was last applied or exported (make patches); the ref
# refs/damos/exported records that point. WORKTREE_RESET=1 resets anyway
# (the dropped commits stay in the reflog).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/fetch-base.sh"
mapfile -t patches < <(find "$TOP/patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' | sort)

if [ ! -d "$WORK_TREE/.git" ]; then
	say "worktree: cloning base into $WORK_TREE"
	git clone -q --no-checkout "$BASE_TREE" "$WORK_TREE"
	git -C "$WORK_TREE" config gc.auto 0
	git -C "$WORK_TREE" checkout -q -b series base
fi
cd "$WORK_TREE"
git fetch -q "$BASE_TREE" "refs/tags/base:refs/tags/base" 2>/dev/null || true

# Patch ids of what is applied vs. what patches/ holds.
applied=$(git log --reverse --format=%H base..HEAD | while read -r c; do git show "$c" | git patch-id --stable | cut -d' ' -f1; done)
wanted=$(for p in ${patches[@]+"${patches[@]}"}; do git patch-id --stable <"$p" | cut -d' ' -f1; done)
if [ "$applied" = "$wanted" ]; then
	git update-ref refs/damos/exported HEAD
	say "worktree: $WORK_TREE has the ${#patches[@]}-patch series applied"
	exit 0
fi
if ! git diff --quiet HEAD || ! git diff --cached --quiet; then
	die "$WORK_TREE has uncommitted changes and its commits differ from patches/.
Commit them and run 'make patches', or discard them, then retry."
fi
# Commits on the branch since it was last applied or exported: work that
# only this tree holds. (A tree made before the ref existed has none known.)
if [ -z "${WORKTREE_RESET:-}" ] && git rev-parse -q --verify refs/damos/exported >/dev/null; then
	mapfile -t unexported < <(git rev-list --reverse refs/damos/exported..HEAD)
	if [ "${#unexported[@]}" -gt 0 ]; then
		die "branch $(git symbolic-ref -q --short HEAD || echo HEAD) of $WORK_TREE has ${#unexported[@]} commit(s) not in patches/:
$(git log --no-walk=unsorted --format='  %h %s' "${unexported[@]}")
Run 'make patches' to export them (then commit patches/), or rerun with
WORKTREE_RESET=1 to reset the branch to patches/ (they stay in the reflog)."
	fi
fi
say "worktree: applying ${#patches[@]} patches from patches/ on base"
git am --abort >/dev/null 2>&1 || true
git checkout -q -B series base
for p in ${patches[@]+"${patches[@]}"}; do
	git am -q --keep-cr "$p" || die "patch $(basename "$p") does not apply on base"
done
git update-ref refs/damos/exported HEAD
say "worktree: $(git rev-list --count base..HEAD) commits on base"
