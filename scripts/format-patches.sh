#!/usr/bin/env bash
# Regenerate patches/ from the commits base..HEAD of $WORK_TREE with
# git format-patch: cover letter from cover-letter.txt (first line subject,
# rest body), recipients from scripts/get_maintainer.pl, base-commit line.
# patches/series lists the patches in order. Never edit patches/ by hand.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$WORK_TREE"
git diff --quiet HEAD || die "$WORK_TREE has uncommitted changes: commit them first"
n=$(git rev-list --count base..HEAD)
rm -f "$TOP"/patches/*.patch
if [ "$n" = 0 ]; then
	printf '# Series order (git am applies these in this order); empty: no patches yet.\n' >"$TOP/patches/series"
	git update-ref refs/damos/exported HEAD
	say "patches: no commits on base; patches/ is empty"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git format-patch -q -o "$tmp" base..HEAD
# Recipients: maintainers, reviewers and lists of everything the series touches.
to=() cc=()
while IFS= read -r line; do
	addr=${line%% (*}
	case "$line" in
	*"(maintainer:DAMON"*) to+=("--to=$addr") ;;
	*"(maintainer:"* | *"(reviewer:"* | *"(open list"* | *"(moderated list"*) cc+=("--cc=$addr") ;;
	esac
done < <(perl scripts/get_maintainer.pl --no-git --no-git-fallback --rolestats --no-remove-duplicates "$tmp"/*.patch 2>/dev/null | sort -u)
rm -rf "$tmp"
git -c "branch.$(git symbolic-ref --short HEAD).description=$(cat "$TOP/cover-letter.txt")" \
	format-patch -q --cover-letter --cover-from-description=subject --base=base \
	--subject-prefix="PATCH" ${to[@]+"${to[@]}"} ${cc[@]+"${cc[@]}"} -o "$TOP/patches" base..HEAD
(
	echo "# Series order (git am applies these in this order)."
	cd "$TOP/patches" && ls [0-9][0-9][0-9][0-9]-*.patch | grep -v '^0000-'
) >"$TOP/patches/series"
# what patches/ now holds: worktree.sh may reset the branch to it
git update-ref refs/damos/exported HEAD
say "patches: wrote $n patches and a cover letter to patches/"
