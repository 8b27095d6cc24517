#!/usr/bin/env bash
# Bisectability: build the guest kernel at every patch of the series but the
# last (make test builds that one) in a separate worktree and build dir. TAP.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

mapfile -t commits < <(git -C "$WORK_TREE" rev-list --reverse base..HEAD)
n=${#commits[@]}
echo "TAP version 13"
if [ "$n" -lt 2 ]; then
	echo "1..0 # SKIP fewer than two patches: the full build covers it"
	exit 0
fi
echo "1..$((n - 1))"
tree=$CACHE/bisect-tree
if [ ! -d "$tree/.git" ] && [ ! -f "$tree/.git" ]; then
	git -C "$WORK_TREE" worktree prune
	git -C "$WORK_TREE" worktree add -q --detach "$tree" base
fi
for i in $(seq 0 $((n - 2))); do
	c=${commits[$i]}
	subj=$(git -C "$WORK_TREE" log -1 --format=%s "$c")
	git -C "$tree" checkout -q --detach "$c"
	say "bisect: building patch $((i + 1))/$n: $subj"
	if "$TOP/scripts/build-guest.sh" "$tree" "$BISECT_OUT" >"$CACHE/bisect-$((i + 1)).log" 2>&1; then
		echo "ok $((i + 1)) builds: $subj"
	else
		tail -n 20 "$CACHE/bisect-$((i + 1)).log" | sed 's/^/# /'
		echo "not ok $((i + 1)) builds: $subj"
	fi
done
