# Order-aware DAMOS_COLLAPSE and DAMOS_SPLIT: the patch series and its harness.
# See README.md. Everything that is not in git lives in $(CACHE).
SHELL := /bin/bash
CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/damos-order
export CACHE

.PHONY: all demo seed test stress bench arm64 matrix mail boot-check deps base worktree guest kunit selftests check patches clean distclean help

all: help

help:
	@echo "make demo       the THP hot-memory inflation fixed, in a booted patched kernel"
	@echo "make seed       the earlier RFC's experiment at its scale: 8 GiB, 16 MiB hot (12 GiB guest, ~30 min)"
	@echo "make test       everything: checkpatch, bisect builds, KUnit, guest selftests"
	@echo "make stress     split/collapse stress + sysfs fuzz on a KASAN guest kernel"
	@echo "make bench      what split and collapse cost against the kernel's own paths"
	@echo "make arm64      the series on arm64 (4K and 64K pages) in qemu-system-aarch64"
	@echo "make matrix     mm/ built W=1 with THP, DAMON_VADDR, DEBUG_FS, MEMCG off, and i386"
	@echo "make mail       patches/ with your git identity and per-patch To/Cc, in mail/, for git send-email"
	@echo "make boot-check the guest kernel boots while the host starves it (4 boots, ~8 min)"
	@echo "make base       fetch the pinned v7.3 base (KSRC=/path for your own tree)"
	@echo "make worktree   base + patches/ applied with git am in \$$CACHE/linux"
	@echo "make patches    regenerate patches/ from the commits in \$$CACHE/linux"
	@echo "make guest      build the debug guest kernel"
	@echo "make kunit      DAMON KUnit on UML"
	@echo "make check      checkpatch --strict on patches/"
	@echo "make clean      drop build outputs and run logs (keeps base and ccache)"
	@echo "make distclean  drop all of \$$CACHE"

demo:
	scripts/demo.sh

# The earlier RFC's experiment at its own scale: 8 GiB of anon THPs, one hot
# 4 KiB page in each and a 64 KiB hot block (16.1 MiB truly hot), in a
# 12 GiB guest whose zram swap takes what pageout reclaims.
seed:
	GUEST_SWAP_MB=$${GUEST_SWAP_MB:-12288} DEMO_MEM=$${DEMO_MEM:-12G} DEMO_NAME=seed \
	DEMO_TIMEOUT=$${DEMO_TIMEOUT:-5400} \
	DEMO_ARGS="--size 8192 --hot-pct 100 --dense 64 --backing anon --paddr '' --timestamps" \
	scripts/demo.sh

test:
	scripts/test.sh

stress:
	scripts/stress.sh

bench:
	scripts/bench.sh

arm64:
	scripts/arm64.sh

matrix:
	scripts/matrix.sh

mail: deps
	scripts/mail.sh

boot-check:
	scripts/boot-check.sh

deps:
	scripts/deps.sh

base: deps
	scripts/fetch-base.sh

worktree: base
	scripts/worktree.sh

guest: worktree
	scripts/build-guest.sh

kunit: worktree
	scripts/kunit.sh

selftests: worktree
	scripts/build-selftests.sh

check: worktree
	scripts/checkpatch.sh

patches:
	scripts/format-patches.sh

clean:
	rm -rf "$(CACHE)/build" "$(CACHE)/bisect" "$(CACHE)/run" "$(CACHE)/results"

distclean:
	rm -rf "$(CACHE)"
