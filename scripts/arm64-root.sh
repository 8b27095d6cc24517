#!/usr/bin/env bash
# A root directory for the arm64 test guests: Debian bookworm arm64 packages
# (bash, coreutils, util-linux, busybox, python3, drgn and what they depend on)
# unpacked with dpkg -x into $CACHE/arm64/root, resolved and downloaded by
# apt with a private configuration (own sources list, lists, cache and an
# empty dpkg status, architecture arm64): the system's apt is untouched.
# The x86_64 guests use the host's / instead; an arm64 guest cannot run its
# binaries. Prints the root's path.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

root=$CACHE/arm64/root
pkgs="bash coreutils util-linux mount busybox-static python3-minimal python3 python3-drgn libc-bin procps grep sed gawk findutils diffutils e2fsprogs"
stamp=$root/.harness-packages
layout=4	# bump when the unpacking below changes
# PID 1 and the mount points of the host directories it binds (the guest's
# root is read-only)
install_init() {
	install -m 755 "$TOP/guest/init-arm64.sh" "$root/init-arm64.sh"
	mkdir -p "$root$TOP" "$root$CACHE"
}
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$layout $pkgs" ]; then
	install_init
	echo "$root"
	exit 0
fi
uri=$(debian_mirror)
[ -n "$uri" ] || die "no Debian mirror in /etc/apt/sources.list.d/debian.sources"
apt=$CACHE/apt/bookworm-arm64
mkdir -p "$apt/state"
: >"$apt/state/status"
apt_private "$apt" "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri bookworm main" \
	-o "Dir::State::status=$apt/state/status" -o APT::Architecture=arm64 \
	-o APT::Architectures::=arm64 -o APT::Install-Recommends=0
o=("${APT_OPTS[@]}")
say "arm64 root: resolving $pkgs (bookworm arm64, private apt config in $apt)"
apt-get "${o[@]}" -qq update
# With an empty status nothing counts as installed: --download-only fetches
# the whole dependency closure.
apt-get "${o[@]}" -qq -y --download-only install $pkgs >/dev/null
rm -rf "$root"
mkdir -p "$root"
n=0
for deb in "$apt"/cache/archives/*.deb; do
	dpkg-deb -x "$deb" "$root"
	n=$((n + 1))
done
# merged /usr (bookworm's usrmerge is done by the installer, not the debs)
for d in bin sbin lib; do
	if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
		cp -a "$root/$d/." "$root/usr/$d/" && rm -rf "${root:?}/$d"
	fi
	[ -e "$root/$d" ] || ln -s "usr/$d" "$root/$d"
done
# /lib/modules: guest/init.sh binds the kernel's vmlinux there for drgn
mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/run" "$root/mnt" "$root/host" \
	"$root/usr/lib/modules"
# python3 -> python3.11 is made by the python3-minimal postinst
[ -e "$root/usr/bin/python3" ] || ln -s "$(cd "$root/usr/bin" && ls python3.* | grep -E '^python3\.[0-9]+$' | head -n1)" "$root/usr/bin/python3"
[ -e "$root/bin/sh" ] || ln -s bash "$root/usr/bin/sh"
# commands that maintainer scripts (update-alternatives) would link
[ -e "$root/usr/bin/awk" ] || ln -s gawk "$root/usr/bin/awk"
if [ ! -e "$root/usr/bin/which" ]; then
	if [ -e "$root/usr/bin/which.debianutils" ]; then
		ln -s which.debianutils "$root/usr/bin/which"
	else
		ln -s busybox "$root/usr/bin/which"
	fi
fi
install_init
echo "$layout $pkgs" >"$stamp"
say "arm64 root: $n packages unpacked in $root ($(du -sh "$root" | cut -f1))"
echo "$root"
