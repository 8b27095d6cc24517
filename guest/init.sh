#!/bin/bash
# PID 1 of the test guest. The root is the host's / over read-only 9p; this
# script gives the guest writable tmpfs dirs, the usual pseudo filesystems,
# zram swap, the vmlinux where drgn looks for it, then runs /tmp/out/cmd.sh
# (written by scripts/guest-run.sh into the writable "out" 9p share) and
# reboots (QEMU runs with -no-reboot, so that ends the VM).
#
# Kernel command line variables arrive as environment: harness_vmlinux,
# harness_swap_mb, harness_tlbtick.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp/home LANG=C.UTF-8 TERM=dumb

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
# udev would make these; kselftest's runner writes to /dev/stdout.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
for d in /dev/shm /tmp /run /var/tmp /var/log /mnt; do
	[ -d "$d" ] && mount -t tmpfs -o mode=1777 tmpfs "$d"
done
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /tmp/out "$HOME"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /tmp/out
hostname guest 2>/dev/null

# drgn finds the running kernel's vmlinux under /lib/modules/$(uname -r).
release=$(uname -r)
if [ -n "${harness_vmlinux:-}" ]; then
	mkdir -p /tmp/modules/"$release"
	ln -s "$harness_vmlinux" /tmp/modules/"$release"/vmlinux
	if [ -d /lib/modules ]; then
		mount --bind /tmp/modules /lib/modules
	elif [ -d /usr/lib/debug ]; then
		mount -t tmpfs tmpfs /usr/lib/debug
		mkdir -p /usr/lib/debug/boot
		ln -s "$harness_vmlinux" /usr/lib/debug/boot/vmlinux-"$release"
	fi
fi

if [ "${harness_swap_mb:-0}" -gt 0 ] && [ -e /sys/block/zram0/disksize ]; then
	echo "${harness_swap_mb}M" >/sys/block/zram0/disksize &&
		mkswap /dev/zram0 >/dev/null && swapon /dev/zram0
fi

# See README "DAMON in a TCG guest": QEMU's software TLB is flushed only on
# CR3/CR4 writes and INVLPG, so a process that never leaves its CPU keeps its
# translations forever and the CPU never sets a cleared Accessed bit again.
# A per-CPU ticker forces a context switch (CR3 write) every millisecond, as a
# hardware TLB's limited capacity would force a refill.
if [ "${harness_tlbtick:-0}" -gt 0 ] && [ -x "${harness_tlbtick_bin:-}" ]; then
	"$harness_tlbtick_bin" "$harness_tlbtick" &
fi

cd /tmp || exit 1
echo "harness: guest up, running /tmp/out/cmd.sh"
bash /tmp/out/cmd.sh </dev/null 2>&1 | tee /tmp/out/output
rc=${PIPESTATUS[0]}
echo "$rc" >/tmp/out/rc
echo "harness: command exited with $rc"
sync
umount /tmp/out 2>/dev/null
exec busybox reboot -f
