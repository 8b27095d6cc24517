#!/usr/bin/env bash
# Obtain the pinned base kernel source as a git tree at $BASE_TREE (tag "base").
#
#   default:          Debian linux-source-7.3 7.3.4-1~bpo13+1, fetched with a
#                     private apt configuration (the system's apt is untouched),
#                     falling back to ../shared/cache/<deb> (sha256-checked);
#   KSRC=/path/to/v7.3-tree: use that tree instead (its files are copied as is).
#
# A second run with the same input does nothing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

if [ -n "${KSRC:-}" ]; then
	want="ksrc:$(cd "$KSRC" && pwd)"
else
	want="deb:$BASE_DEB"
fi
if [ -f "$BASE_TREE/.base-stamp" ] && [ "$(cat "$BASE_TREE/.base-stamp")" = "$want" ] &&
	git -C "$BASE_TREE" rev-parse -q --verify base >/dev/null; then
	say "base: $want already at $BASE_TREE ($(git -C "$BASE_TREE" rev-parse --short base))"
	exit 0
fi

fetch_deb() {
	local dl=$CACHE/download
	if [ -f "$dl/$BASE_DEB" ]; then
		echo "$dl/$BASE_DEB"
		return
	fi
	if apt_download "$BASE_SUITE" "$BASE_PKG=$BASE_VER" "$dl" && [ -f "$dl/$BASE_DEB" ]; then
		echo "$dl/$BASE_DEB"
		return
	fi
	say "base: the archive does not serve $BASE_PKG=$BASE_VER (any more)"
	if [ -f "$SHARED_CACHE/$BASE_DEB" ]; then
		say "base: using the pinned copy $SHARED_CACHE/$BASE_DEB"
		(cd "$SHARED_CACHE" && sha256sum --quiet -c SHA256SUMS) >&2 ||
			die "checksum mismatch for $SHARED_CACHE/$BASE_DEB"
		echo "$SHARED_CACHE/$BASE_DEB"
		return
	fi
	die "cannot get $BASE_PKG=$BASE_VER: the archive lacks it and $SHARED_CACHE has no copy.
Put $BASE_DEB in $CACHE/download/, or run with KSRC=/path/to/a/linux-v7.3-tree."
}

tmp=$BASE_TREE.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
if [ -n "${KSRC:-}" ]; then
	[ -f "$KSRC/Makefile" ] || die "KSRC=$KSRC is not a kernel tree"
	v=$(make -s -C "$KSRC" kernelversion 2>/dev/null || true)
	case "$v" in 7.3*) ;; *) die "KSRC=$KSRC is version '$v', the series is for v7.3.x" ;; esac
	say "base: copying $KSRC (v$v)"
	if git -C "$KSRC" rev-parse -q --verify HEAD >/dev/null 2>&1; then
		git -C "$KSRC" archive --format=tar HEAD | tar -x -C "$tmp"
	else
		tar -C "$KSRC" --exclude=.git -cf - . | tar -x -C "$tmp"
	fi
	desc="Linux v$v from $KSRC"
else
	deb=$(fetch_deb)
	say "base: extracting $(basename "$deb")"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*/linux-source-7.3.tar.*'
	tarball=$(find "$tmp" -name 'linux-source-7.3.tar.*' | head -n 1)
	[ -n "$tarball" ] || die "no linux-source tarball inside $deb"
	mkdir -p "$tmp/src"
	tar -x -C "$tmp/src" --strip-components=1 -f "$tarball"
	rm -rf "$tmp/usr"
	find "$tmp" -mindepth 1 -maxdepth 1 ! -name src -exec rm -rf {} +
	mv "$tmp/src"/* "$tmp/src"/.[!.]* "$tmp"/ 2>/dev/null || true
	rmdir "$tmp/src"
	v=$(make -s -C "$tmp" kernelversion)
	desc="Linux v$v from Debian $BASE_PKG $BASE_VER"
fi
# Debian's top-level .gitignore ends with "/*" and "!/debian/": it would hide
# the whole tree from git. Drop those two lines.
sed -i -e '\#^/\*$#d' -e '\#^!/debian/$#d' "$tmp/.gitignore"
say "base: committing $desc (takes a minute)"
(
	cd "$tmp"
	git init -q -b base-import
	git config core.autocrlf false
	git config gc.auto 0
	git add -A -f .
	env "${BASE_GIT_ENV[@]}" git commit -q -m "$desc" -m "Imported by scripts/fetch-base.sh."
	git tag base
)
echo "$want" >"$tmp/.base-stamp"
git -C "$tmp" config core.excludesFile /dev/null
echo ".base-stamp" >>"$tmp/.git/info/exclude"
rm -rf "$BASE_TREE"
mv "$tmp" "$BASE_TREE"
say "base: ready at $BASE_TREE, base commit $(git -C "$BASE_TREE" rev-parse base)"
