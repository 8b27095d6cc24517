#!/usr/bin/env bash
# damo (DAMON's user-space tool) from Debian sid, unpacked with dpkg -x into
# $CACHE/tools/damo (it is "Architecture: all" and runs on bookworm's python3).
# Prints the path of the damo entry point.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

dest=$CACHE/tools/damo
DAMO_VERSION=${DAMO_VERSION:-3.4.1-1}
if [ ! -x "$dest/usr/bin/damo" ]; then
	dl=$CACHE/download/damo
	rm -rf "$dl"
	# The demo was written and measured against damo 3.4.1 (its command line
	# and sysfs use); take that version while sid has it, else sid's
	# current one, with a warning.
	if ! apt_download sid "damo=$DAMO_VERSION" "$dl"; then
		say "damo: sid no longer has $DAMO_VERSION; trying its current damo (the demo may need changes)"
		apt_download sid damo "$dl" || die "could not download damo from sid"
	fi
	rm -rf "$dest"
	mkdir -p "$dest"
	dpkg -x "$dl"/damo_*.deb "$dest"
fi
# Wrapper: the package's modules are not on the default python path.
cat >"$dest/damo" <<WRAP
#!/bin/sh
PYTHONPATH=$dest/usr/lib/python3/dist-packages\${PYTHONPATH:+:\$PYTHONPATH} exec /usr/bin/python3 $dest/usr/bin/damo "\$@"
WRAP
chmod +x "$dest/damo"
echo "$dest/damo"
