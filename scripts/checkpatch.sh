#!/usr/bin/env bash
# checkpatch.pl --strict on every patch of the series; TAP on stdout.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

mapfile -t patches < <(find "$TOP/patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' | sort)
echo "TAP version 13"
echo "1..${#patches[@]}"
n=0
for p in ${patches[@]+"${patches[@]}"}; do
	n=$((n + 1))
	# FILE_PATH_CHANGES ("does MAINTAINERS need updating?") fires for every
	# new file; the series only adds files under paths that MAINTAINERS'
	# DAMON entry already covers (F: tools/testing/selftests/damon/).
	# Debian's python3 first: checkpatch runs spdxcheck.py (python3-ply).
	if out=$(cd "$WORK_TREE" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict --quiet \
		--ignore FILE_PATH_CHANGES "$p" 2>&1) && [ -z "$out" ]; then
		echo "ok $n checkpatch: $(basename "$p")"
	else
		sed 's/^/# /' <<<"$out"
		echo "not ok $n checkpatch: $(basename "$p")"
	fi
done
