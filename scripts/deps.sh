#!/usr/bin/env bash
# Install the Debian packages the harness needs (only the missing ones).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

pkgs=(build-essential bc bison flex libelf-dev libssl-dev ccache git perl python3
	qemu-system-x86 python3-drgn python3-ply python3-git busybox-static util-linux
	e2fsprogs kmod cpio rsync xz-utils git-email libmailtools-perl
	zstd ca-certificates debian-archive-keyring)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
say "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
# A third-party source being unreachable must not stop us.
$sudo apt-get update -qq || say "deps: apt-get update reported errors (continuing)"
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
