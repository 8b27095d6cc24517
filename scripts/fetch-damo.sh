#!/usr/bin/env bash
# damo (DAMON's user-space tool) 3.4.1 with this repo's damo-patches/ (split,
# target_order): the tree scripts/damo-source.sh makes in $CACHE/damo/src,
# run by a wrapper with bookworm's python3.  Prints the path of the wrapper.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

tree=$("$TOP/scripts/damo-source.sh")
dest=$CACHE/tools/damo
mkdir -p "$dest"
rm -rf "$dest/usr" "$dest/home"	# the stock package, used before
# damo.py puts its own directory on the module path.  HOME: damo caches the
# kernel's features in ~/.damo.sysinfo, keyed by its version and uname -r;
# /tmp is writable in the guest (whose / is the host's, read-only).
cat >"$dest/damo" <<WRAP
#!/bin/sh
HOME=\${DAMO_HOME:-/tmp} exec /usr/bin/python3 $tree/src/damo.py "\$@"
WRAP
chmod +x "$dest/damo"
echo "$dest/damo"
