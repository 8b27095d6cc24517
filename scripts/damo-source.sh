#!/usr/bin/env bash
# damo (DAMON's user-space tool) 3.4.1, upstream's tree, as a git repository
# at $DAMO_TREE (default $CACHE/damo/src): one base commit (annotated tag
# "base"), then damo-patches/*.patch applied with git am on branch "series".
# Prints the tree's path.  A second run with the same damo-patches/ does
# nothing; edited damo-patches/ are re-applied on base (refused if the tree
# has uncommitted changes).  Run the patched damo with
#   /usr/bin/python3 "$(scripts/damo-source.sh)/src/damo.py" ...
#
# Where the base comes from, first that works:
#   1. Debian's source package damo 3.4.1-1 (sid): its upstream tarball
#      damo_3.4.1.orig.tar.gz (sha256-pinned), from $CACHE/download/damo-src,
#      DAMO_ORIG=/path/to/it, $SHARED_CACHE, or apt-get source --download-only
#      with a private apt configuration (deb-src line for sid, own lists and
#      cache under $CACHE/apt/sid-src; the system's apt is untouched).
#      Debian's own patches are not applied; any in its debian tarball are
#      listed (the 3.4.1-1 changelog names none: "New upstream version").
#   2. Last resort, for mirrors that serve binary packages only: the binary
#      package damo 3.4.1-1 unpacked back into upstream's layout (src/*.py,
#      the top-level documents, the damo symlink).  It has no tests/, so the
#      unit tests added by the series run but upstream's own do not; the base
#      commit says which of the two it is.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

DAMO_PKG_VER=3.4.1-1
DAMO_VER=${DAMO_PKG_VER%-*}
DAMO_ORIG_NAME=damo_$DAMO_VER.orig.tar.gz
# From sid's Sources index (Checksums-Sha256 of damo 3.4.1-1).
DAMO_ORIG_SHA256=42d11bc19231fe42b20b87ddc97afe4e4a133d6a12a54679a6587e4b3cbcdb6b
DAMO_TREE=${DAMO_TREE:-$CACHE/damo/src}
dl=$CACHE/download/damo-src

# Fixed identity and date for the base commit, so that its hash depends only
# on the imported files.
DAMO_GIT_ENV=(GIT_AUTHOR_NAME="damo $DAMO_PKG_VER" GIT_AUTHOR_EMAIL="damo@debian.invalid"
	GIT_COMMITTER_NAME="damo $DAMO_PKG_VER" GIT_COMMITTER_EMAIL="damo@debian.invalid"
	GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")

orig_ok() { [ -f "$1" ] && echo "$DAMO_ORIG_SHA256  $1" | sha256sum --quiet -c - >/dev/null 2>&1; }

# apt-get source with a private configuration; the download lands in $dl.
apt_source() {
	local apt=$CACHE/apt/sid-src uri
	uri=$(debian_mirror)
	[ -n "$uri" ] || { say "damo: no Debian mirror in /etc/apt/sources.list.d/debian.sources"; return 1; }
	mkdir -p "$dl"
	apt_private "$apt" "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main"
	say "damo: apt-get source damo=$DAMO_PKG_VER from $uri sid (private apt config in $apt)"
	apt-get "${APT_OPTS[@]}" -qq update >&2 &&
		(cd "$dl" && apt-get "${APT_OPTS[@]}" -qq source --download-only "damo=$DAMO_PKG_VER" >&2)
}

# Prints the path of a checked orig tarball, or nothing.
find_orig() {
	local f
	if [ -n "${DAMO_ORIG:-}" ] && ! orig_ok "$DAMO_ORIG"; then
		die "DAMO_ORIG=$DAMO_ORIG is not $DAMO_ORIG_NAME (sha256 $DAMO_ORIG_SHA256)"
	fi
	for f in "$dl/$DAMO_ORIG_NAME" "${DAMO_ORIG:-}" "$SHARED_CACHE/$DAMO_ORIG_NAME"; do
		if [ -n "$f" ] && orig_ok "$f"; then
			echo "$f"
			return
		fi
	done
	if apt_source 2>&1 | sed 's/^/  /' >&2 && orig_ok "$dl/$DAMO_ORIG_NAME"; then
		echo "$dl/$DAMO_ORIG_NAME"
		return
	fi
	[ ! -f "$dl/$DAMO_ORIG_NAME" ] || say "damo: $dl/$DAMO_ORIG_NAME does not match the pinned sha256"
}

# Fills directory $1 with upstream's tree; prints a one-line description.
import_upstream() {
	local tmp=$1 orig deb
	orig=$(find_orig)
	if [ -n "$orig" ]; then
		say "damo: unpacking $orig"
		tar -xzf "$orig" -C "$tmp" --strip-components=1
		local deb_tar
		deb_tar=$(find "$(dirname "$orig")" -maxdepth 1 -name "damo_$DAMO_PKG_VER.debian.tar.*" | head -n1)
		if [ -n "$deb_tar" ] && tar -tf "$deb_tar" | grep -q '^debian/patches/.'; then
			say "damo: note: Debian carries patches for $DAMO_PKG_VER (not applied here):"
			tar -tf "$deb_tar" | grep '^debian/patches/.' | sed 's/^/  /' >&2
		fi
		echo "from $DAMO_ORIG_NAME (Debian source package damo $DAMO_PKG_VER, sha256 ${DAMO_ORIG_SHA256:0:16}...)"
		return
	fi
	say "damo: the archive does not serve the source of damo $DAMO_PKG_VER here;"
	say "damo: rebuilding upstream's layout from the binary package (no tests/ in it)"
	local bdl=$CACHE/download/damo-bin
	deb=$bdl/damo_${DAMO_PKG_VER}_all.deb
	if [ ! -f "$deb" ]; then
		apt_download sid "damo=$DAMO_PKG_VER" "$bdl" || true
		[ -f "$deb" ] ||
			die "cannot get damo $DAMO_PKG_VER (neither source nor binary package).
Put $DAMO_ORIG_NAME in $dl/ (sha256 $DAMO_ORIG_SHA256), or set DAMO_ORIG=/path/to/it."
	fi
	local x=$tmp.deb
	rm -rf "$x"
	mkdir -p "$x" "$tmp/src"
	dpkg -x "$deb" "$x"
	local pkg=$x/usr/lib/python3/dist-packages/damo doc=$x/usr/share/doc/damo f
	[ -f "$pkg/damo_version.py" ] || die "unexpected layout of $deb"
	grep -q "__version__ = '$DAMO_VER'" "$pkg/damo_version.py" || die "$deb is not damo $DAMO_VER"
	# upstream's packaging/build.sh copies src/*.py into the package and
	# adds an empty __init__.py; undo that
	cp -p "$pkg"/*.py "$tmp/src/"
	rm -f "$tmp/src/__init__.py"
	for f in README.md USAGE.md release_note TODO CONTRIBUTING SECURITY.md REPORTING.md \
		FEATURES_DEPRECATION_PROCESS.md FEATURES_DEPRECATION_SCHEDULE.md; do
		if [ -f "$doc/$f.gz" ]; then
			gzip -dc "$doc/$f.gz" >"$tmp/$f"
		elif [ -f "$doc/$f" ]; then
			cp -p "$doc/$f" "$tmp/$f"
		fi
	done
	ln -s ./src/damo.py "$tmp/damo"
	rm -rf "$x"
	echo "rebuilt from the binary package damo_${DAMO_PKG_VER}_all.deb: src/, documents; no tests/"
}

if ! git -C "$DAMO_TREE" rev-parse -q --verify 'base^{commit}' >/dev/null 2>&1; then
	tmp=$DAMO_TREE.tmp
	rm -rf "$tmp" "$tmp.deb"
	mkdir -p "$tmp"
	desc=$(import_upstream "$tmp")
	git -C "$tmp" init -q
	git -C "$tmp" config gc.auto 0
	git -C "$tmp" add -A -f
	env "${DAMO_GIT_ENV[@]}" git -C "$tmp" commit -q --no-verify \
		-m "damo $DAMO_VER" -m "Upstream's tree of damo $DAMO_VER, $desc."
	env "${DAMO_GIT_ENV[@]}" git -C "$tmp" tag -a -m "damo $DAMO_VER, $desc" base
	git -C "$tmp" branch -q -M series
	rm -rf "$DAMO_TREE"
	mkdir -p "$(dirname "$DAMO_TREE")"
	mv "$tmp" "$DAMO_TREE"
	say "damo: base $(git -C "$DAMO_TREE" rev-parse --short 'base^{commit}') at $DAMO_TREE ($desc)"
fi

cd "$DAMO_TREE"
# git am needs a committer: the identity configured for this repository.
for k in user.name user.email; do
	v=$(git -C "$TOP" config "$k" || true)
	[ -z "$v" ] || git config "$k" "$v"
done
git config user.name >/dev/null || git config user.name "damo-source.sh"
git config user.email >/dev/null || git config user.email "damo-source@invalid"

mapfile -t patches < <(find "$TOP/damo-patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' 2>/dev/null | sort)
applied=$(git log --reverse --format=%H 'base..HEAD' | while read -r c; do git show "$c" | git patch-id --stable | cut -d' ' -f1; done)
wanted=$(for p in ${patches[@]+"${patches[@]}"}; do git patch-id --stable <"$p" | cut -d' ' -f1; done)
if [ "$applied" = "$wanted" ]; then
	say "damo: $DAMO_TREE has the ${#patches[@]}-patch series applied"
else
	if ! git diff --quiet HEAD || ! git diff --cached --quiet; then
		die "$DAMO_TREE has uncommitted changes and its commits differ from damo-patches/.
Commit them and regenerate damo-patches/ (git format-patch --cover-letter base), or discard them."
	fi
	say "damo: applying ${#patches[@]} patches from damo-patches/ on base"
	git am --abort >/dev/null 2>&1 || true
	git checkout -q -B series 'base^{commit}'
	for p in ${patches[@]+"${patches[@]}"}; do
		git am -q "$p" || die "damo patch $(basename "$p") does not apply on base"
	done
	say "damo: $(git rev-list --count 'base..HEAD') commits on base"
fi
echo "$DAMO_TREE"
