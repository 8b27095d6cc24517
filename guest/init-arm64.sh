#!/bin/bash
# PID 1 of the arm64 guests. Their root is $CACHE/arm64/root (Debian arm64
# packages, scripts/arm64-root.sh) over read-only 9p, since the host's
# x86_64 binaries cannot run here. The host's / is mounted at /host and the
# host directories named by harness_dirs (comma-separated: the repo and
# $CACHE) are bound at the same paths, so the harness' paths mean the same
# inside; then the common guest/init.sh (harness_init) runs.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro host /host
IFS=, read -r -a dirs <<<"${harness_dirs:-}"
for d in "${dirs[@]}"; do
	[ -n "$d" ] && mount --bind "/host$d" "$d"
done
umount /proc
exec /bin/bash "${harness_init:?}"
