#!/usr/bin/env bash
# Print the path of a sparse the kernel accepts (scripts/checker-valid.sh:
# v7.3 uses __typeof_unqual__, which bookworm's sparse 0.6.4 does not
# know), built once into $CACHE/tools/sparse from Debian sid's source
# package (apt-get source with a private apt configuration; the system's
# apt is untouched). SPARSE=/path/to/sparse uses that one instead.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

if [ -n "${SPARSE:-}" ]; then
	echo "$SPARSE"
	exit 0
fi
dir=$CACHE/tools/sparse
if [ ! -x "$dir/sparse" ]; then
	uri=$(debian_mirror)
	[ -n "$uri" ] || die "sparse: no Debian mirror in /etc/apt/sources.list.d/debian.sources"
	apt_private "$CACHE/apt/sid-src" "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main"
	dl=$CACHE/download/sparse
	rm -rf "$dl"
	mkdir -p "$dl"
	say "sparse: apt-get source sparse from $uri sid (private apt config in $CACHE/apt/sid-src)"
	apt-get "${APT_OPTS[@]}" -qq update >&2
	(cd "$dl" && apt-get "${APT_OPTS[@]}" -qq source --download-only sparse >&2)
	tar -C "$dl" -xzf "$dl"/sparse_*.orig.tar.gz
	src=$(find "$dl" -mindepth 1 -maxdepth 1 -type d -name 'sparse-*' | head -n 1)
	make -s -C "$src" -j"$JOBS" sparse HAVE_LIBXML=no HAVE_LLVM=no HAVE_GTK=no >&2
	mkdir -p "$dir"
	cp "$src/sparse" "$dir/"
	say "sparse: built $("$dir/sparse" --version) in $dir"
fi
echo "$dir/sparse"
