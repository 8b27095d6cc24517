#!/usr/bin/env bash
# Boot the guest kernel in QEMU (TCG), run a command in it, return its exit code.
#
#   guest-run.sh [-n NAME] [-t TIMEOUT_S] [-m MEM] [-c CPUS] [--no-tick] [--kunit] -- CMD [ARGS...]
#
# --kunit boots with kunit.enable=1 kunit.autorun=1 (allnoconfig leaves
# both defaults off) and loglevel=7: the KUnit suites built into the guest
# kernel run before init, their KTAP (KERN_INFO) in the console log.
# The guest's root is the host's / over read-only 9p (see guest/init.sh). The
# command runs as root in /tmp of the guest; its output (also on the console)
# and anything it writes to /tmp/out land in $RUN_DIR/NAME/out. The run fails
# (exit 125) on timeout, on a missing exit code (guest crashed) and when the
# console log shows a kernel WARN, BUG, Oops, lockdep or KASAN report; the log
# is $RUN_DIR/NAME/console.log.
# GUEST_ARCH=arm64: qemu-system-aarch64 (virt, -cpu max) on an arm64 Image
# (GUEST_KERNEL), with the root of scripts/arm64-root.sh (see
# guest/init-arm64.sh); the command's paths must then be arm64 binaries or
# scripts.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

name=run timeout=1800 mem=3G cpus=2 tick=${TLBTICK_US:-1000} kunit=0
while [ $# -gt 0 ]; do
	case "$1" in
	-n) name=$2; shift 2 ;;
	-t) timeout=$2; shift 2 ;;
	-m) mem=$2; shift 2 ;;
	-c) cpus=$2; shift 2
	    [[ $cpus =~ ^[1-9][0-9]*$ ]] || die "guest-run: -c $cpus: a number of CPUs" ;;
	--no-tick) tick=0; shift ;;
	--kunit) kunit=1; shift ;;
	--) shift; break ;;
	*) die "guest-run: unknown option $1" ;;
	esac
done
[ $# -gt 0 ] || die "guest-run: no command"
# The guest mounts the host's / read-only but has its own /tmp.
case "$CACHE/" in /tmp/*) die "guest-run: CACHE=$CACHE is under /tmp, which the guest does not see; use another directory" ;; esac
for a in "$@"; do
	case "$a" in /tmp/*) [ -e "$a" ] && die "guest-run: $a is under the host's /tmp, which the guest does not see (it has its own /tmp)" ;; esac
done
arch=${GUEST_ARCH:-x86_64}
kernel=${GUEST_KERNEL:-$GUEST_OUT/arch/x86/boot/bzImage}
vmlinux=${GUEST_VMLINUX:-$GUEST_OUT/vmlinux}
[ -f "$kernel" ] || die "no guest kernel at $kernel: run 'make guest' first"
tools=$CACHE/build/tools
mkdir -p "$tools"
case $arch in
x86_64)
	qemu=(qemu-system-x86_64) console=ttyS0 tick_cc=gcc tick_bin=$tools/tlbtick
	root=/ init=$TOP/guest/init.sh ;;
arm64)
	qemu=(qemu-system-aarch64 -M virt -cpu max) console=ttyAMA0
	tick_cc="aarch64-linux-gnu-gcc -static" tick_bin=$tools/tlbtick-arm64
	root=$("$TOP/scripts/arm64-root.sh") init=/init-arm64.sh ;;
*)	die "guest-run: GUEST_ARCH=$arch: x86_64 or arm64" ;;
esac
command -v "${qemu[0]}" >/dev/null || die "${qemu[0]} not found: apt-get install qemu-system-x86 (arm64: qemu-system-arm)"
if [ ! -x "$tick_bin" ] || [ "$TOP/guest/tlbtick.c" -nt "$tick_bin" ]; then
	$tick_cc -O2 -Wall -o "$tick_bin" "$TOP/guest/tlbtick.c"
fi

rd=$RUN_DIR/$name
rm -rf "$rd"
mkdir -p "$rd/out"
{
	echo "set -o pipefail"
	printf '%q ' "$@"
	echo
} >"$rd/out/cmd.sh"

append="console=$console root=r rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose ro"
# KUnit prints its KTAP at KERN_INFO: loglevel 7 lets it reach the console.
loglevel=6
[ "$kunit" = 1 ] && loglevel=7
append+=" init=$init panic_on_warn=1 panic=-1 oops=panic nokaslr loglevel=$loglevel"
# no_timer_check (x86): the boot-time check that the PIT timer reaches the
# IO-APIC waits a fixed number of TSC cycles for 4 ticks; a TCG guest that
# the host starves (the abi guests run at nice 19 beside the others) misses
# them and panics "IO-APIC + timer doesn't work!" at 0.04 s (CI, 2026-11-29;
# make boot-check reproduces it). KVM guests skip the check the same way
# (arch/x86/kernel/kvm.c).
if [ "$arch" = x86_64 ]; then append+=" no_timer_check"; fi
# -smp N puts N cores in one socket; SeaBIOS's MP table lists one CPU per
# socket, and a kernel without ACPI (the make test guest) learns of CPUs
# only from that table: it ran on one CPU. N sockets of one core each.
smp=$cpus
if [ "$arch" = x86_64 ]; then smp="$cpus,sockets=$cpus"; fi
# harness_cpus: what the guest must bring up (run_tests.py checks it).
append+=" harness_cpus=$cpus"
[ "$kunit" = 1 ] && append+=" kunit.enable=1 kunit.autorun=1"
# GUEST_APPEND: more kernel parameters (make bench: the TSC clocksource).
append+=" ${GUEST_APPEND:-}"
append+=" harness_vmlinux=$vmlinux harness_swap_mb=${GUEST_SWAP_MB:-1024} harness_tlbtick=$tick harness_tlbtick_bin=$tick_bin"
hostfs=()
if [ "$arch" = arm64 ]; then
	append+=" harness_init=$TOP/guest/init.sh harness_dirs=$TOP,$CACHE"
	hostfs=(-fsdev local,id=h,path=/,security_model=none,readonly=on,multidevs=remap
		-device virtio-9p-pci,fsdev=h,mount_tag=host)
fi
say "guest $name: booting $(basename "$kernel") ($mem, $cpus CPUs, TCG) for '$*' (log: $rd/console.log)"
start=$(date +%s)
set +e
timeout -k 10 "$timeout" "${qemu[@]}" -accel "tcg,thread=${TCG_THREAD:-single}" -m "$mem" -smp "$smp" \
	-nodefaults -display none -no-reboot \
	-serial "file:$rd/console.log" \
	-kernel "$kernel" -append "$append" \
	-fsdev "local,id=r,path=$root,security_model=none,readonly=on,multidevs=remap" \
	-device virtio-9p-pci,fsdev=r,mount_tag=r \
	-fsdev "local,id=o,path=$rd/out,security_model=none" \
	-device virtio-9p-pci,fsdev=o,mount_tag=out ${hostfs[@]+"${hostfs[@]}"} \
	>"$rd/qemu.log" 2>&1 &
qpid=$!
# Progress while the guest runs: the newest line of the command's output.
while kill -0 "$qpid" 2>/dev/null; do
	for _ in $(seq 60); do
		sleep 1
		kill -0 "$qpid" 2>/dev/null || break
	done
	if kill -0 "$qpid" 2>/dev/null; then
		last=$(tail -n 1 "$rd/out/output" 2>/dev/null | cut -c1-100)
		say "guest $name: $(($(date +%s) - start)) s: ${last:-booting}"
	fi
done
wait "$qpid"
qrc=$?
set -e
elapsed=$(($(date +%s) - start))

# Kernel splats: lines of the kernel log (they carry a [ time] stamp).
splat_re='^\[ *[0-9]+\.[0-9]+\] (WARNING:|BUG:|kernel BUG|Oops|general protection fault|Kernel panic|------------\[ cut here \]|INFO: (possible|inconsistent|trying to register)|=+$|UBSAN:|KASAN:|KFENCE:|watchdog: BUG|rcu: INFO|list_(add|del) corruption|Unable to handle)'
splats=$(grep -aE "$splat_re" "$rd/console.log" || true)
printf '%s' "$splats" >"$rd/splats"
rc=125
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	say "guest $name: TIMEOUT after ${timeout} s"
elif [ ! -f "$rd/out/rc" ]; then
	say "guest $name: no exit code (qemu rc $qrc); console tail:"
	tail -n 30 "$rd/console.log" >&2
else
	rc=$(cat "$rd/out/rc")
fi
if [ -n "$splats" ]; then
	say "guest $name: kernel splat in $rd/console.log:"
	grep -aE -A 25 "$splat_re" "$rd/console.log" | head -n 60 >&2
	rc=125
fi
say "guest $name: done in $elapsed s, exit code $rc"
exit "$rc"
