// SPDX-License-Identifier: GPL-2.0
/*
 * Processes that keep changing their address space and check every byte of
 * their memory, for damos_stress.py to run DAMOS_SPLIT and DAMOS_COLLAPSE
 * schemes on.
 *
 * Usage: damos_stress [-w] <nr procs> <seconds> <pid file> <tmpfs dir> [<PMDs>]
 *
 * Keeps <nr procs> worker processes alive for <seconds>. Each worker maps
 * three areas of <PMDs> (default 1) PMD sizes: private anonymous memory, a
 * memfd and an unlinked file of the tmpfs mounted at <tmpfs dir> (mount it
 * with huge=always for PMD-mapped shmem THPs), all MADV_HUGEPAGE, and fills
 * them with a pattern that says which area, page and write generation a
 * word belongs to. Then it loops over random operations: writes, mremap()
 * of a whole area to a PMD-aligned or an unaligned address, munmap() and
 * mmap() back of a sub-range, mprotect() of a sub-range, fork() with the
 * child writing (copy on write) and checking its own view, MADV_DONTNEED,
 * MADV_FREE, fallocate() punch holes, MADV_COLLAPSE, and pinning a range as
 * an io_uring fixed buffer (FOLL_LONGTERM) for a few operations. After every
 * operation it checks every byte of its three areas against what it last
 * wrote (after MADV_FREE a page may read as zero instead).
 *
 * A worker lives for 4 to 12 seconds and exits (so that DAMON's targets exit
 * while they are acted on); a new one takes its place.  The first one lives
 * to the end, so that a kdamond always has a live target. The pids of the live
 * workers are in <pid file>, one per line, rewritten (rename) whenever they
 * change.  With -w, the <seconds> and the workers' lifetimes start only when
 * the process gets SIGUSR1 (or after 300 seconds): the first workers set up
 * their memory and wait, so that a driver can start its kdamonds on them
 * first, however long that takes.
 *
 * At the end it prints one line of totals and exits 0 if no byte differed
 * and no worker died of a signal, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/io_uring.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define MAX_PROCS	64
#define NR_AREAS	3
#define GEN_FREE	0x80000000u	/* MADV_FREE'd: old pattern or zero */

enum op {
	OP_WRITE, OP_MOVE, OP_MOVE_UNALIGNED, OP_REMAP, OP_MPROTECT, OP_FORK,
	OP_DONTNEED, OP_FREE, OP_PUNCH, OP_COLLAPSE, OP_PIN, OP_UNPIN,
	NR_OPS,
};

static const char * const op_names[NR_OPS] = {
	"write", "mremap", "mremap_unaligned", "munmap_remap", "mprotect",
	"fork_cow", "dontneed", "free", "punch_hole", "madv_collapse", "pin",
	"unpin",
};

/* One per worker slot, in memory shared with the manager. */
struct stats {
	unsigned long ops[NR_OPS];
	unsigned long failed[NR_OPS];	/* refused by the kernel: fine */
	unsigned long checks;
	unsigned long bytes_checked;
	unsigned long bad_bytes;
};

struct area {
	const char *name;
	char *addr;
	size_t len;
	int fd;			/* -1: private anonymous */
	unsigned int *gen;	/* per page: 0 zero, else pattern generation */
	char *slots[2];		/* two places to mremap() between */
	int slot;
};

static unsigned long page_size, pmd_size;
static size_t npages;
static struct area areas[NR_AREAS];
static struct stats *stats, *my;
static int *stop_all;		/* set by the manager at the end */
static int *go;			/* set by the manager when the clock starts */
static double *stop_at;		/* when the run ends, once @go is set */
static unsigned int next_gen = 1, seed;
static int ring_fd = -1, pin_left;
static const char *last_op = "fill";

static unsigned int rnd(unsigned int n)
{
	seed = seed * 1103515245 + 12345;
	return n ? (seed >> 8) % n : 0;
}

static uint64_t word(int a, size_t page, unsigned int gen, size_t w)
{
	return ((uint64_t)gen << 32 ^ (uint64_t)a << 28 ^ page << 12 ^ w) *
		0x9e3779b97f4a7c15ULL | 1;
}

static void fill(int a, size_t p0, size_t p1)
{
	struct area *ar = &areas[a];
	size_t nw = page_size / 8, p, w;

	for (p = p0; p < p1; p++) {
		uint64_t *q = (uint64_t *)(ar->addr + p * page_size);
		unsigned int gen = next_gen++ & ~GEN_FREE;

		if (!gen)
			gen = next_gen++;
		for (w = 0; w < nw; w++)
			q[w] = word(a, p, gen, w);
		ar->gen[p] = gen;
	}
}

static int diff_bytes(uint64_t x, uint64_t y)
{
	int n = 0;

	for (; x != y; x >>= 8, y >>= 8)
		n += (x & 0xff) != (y & 0xff);
	return n;
}

/* Bytes of page @p of area @a that differ from what the model says. */
static unsigned long check_page(int a, size_t p)
{
	struct area *ar = &areas[a];
	const uint64_t *q = (const uint64_t *)(ar->addr + p * page_size);
	unsigned int gen = ar->gen[p] & ~GEN_FREE;
	size_t nw = page_size / 8, w;
	unsigned long bad = 0, zero_bad = 0;

	for (w = 0; w < nw; w++)
		bad += diff_bytes(q[w], gen ? word(a, p, gen, w) : 0);
	if (!bad || !(ar->gen[p] & GEN_FREE))
		return bad;
	/* MADV_FREE'd and reclaimed since: all zero is right too */
	for (w = 0; w < nw; w++)
		zero_bad += diff_bytes(q[w], 0);
	return zero_bad;
}

static void check_all(const char *who)
{
	size_t p;
	int a;

	for (a = 0; a < NR_AREAS; a++) {
		for (p = 0; p < npages; p++) {
			unsigned long bad = check_page(a, p);

			if (bad) {
				if (my->bad_bytes < 64 * page_size)
					fprintf(stderr,
						"%s %d: %s page %zu: %lu bytes differ after %s (gen %#x)\n",
						who, getpid(), areas[a].name, p, bad,
						last_op, areas[a].gen[p]);
				__atomic_add_fetch(&my->bad_bytes, bad,
						   __ATOMIC_RELAXED);
				/* rewrite it, so it is reported once */
				fill(a, p, p + 1);
			} else if (areas[a].gen[p] & GEN_FREE) {
				/* settle it: a write cancels the lazy free */
				fill(a, p, p + 1);
			}
		}
	}
	my->checks++;
	my->bytes_checked += NR_AREAS * npages * page_size;
}

static void die(const char *what)
{
	fprintf(stderr, "damos_stress %d: %s: %s (after %s)\n", getpid(), what,
		strerror(errno), last_op);
	exit(2);
}

static char *reserve(size_t len)
{
	char *raw = mmap(NULL, len + pmd_size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (raw == MAP_FAILED)
		die("mmap of a PROT_NONE area");
	return (char *)(((unsigned long)raw + pmd_size - 1) & ~(pmd_size - 1));
}

/* Map [off, off + len) of area @ar at @at (MAP_FIXED). */
static void map_at(struct area *ar, char *at, size_t off, size_t len)
{
	void *m;

	if (ar->fd < 0)
		m = mmap(at, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	else
		m = mmap(at, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, ar->fd, off);
	if (m == MAP_FAILED)
		die("mmap");
	madvise(at, len, MADV_HUGEPAGE);
}

static void setup(const char *dir)
{
	size_t len = npages * page_size;
	int a;

	areas[0].name = "anon";
	areas[0].fd = -1;
	areas[1].name = "memfd";
	areas[1].fd = memfd_create("damos_stress", 0);
	if (areas[1].fd < 0)
		die("memfd_create");
	areas[2].name = "shmem";
	areas[2].fd = open(dir, O_TMPFILE | O_RDWR, 0600);
	if (areas[2].fd < 0)
		die("open O_TMPFILE in the tmpfs dir");
	for (a = 0; a < NR_AREAS; a++) {
		struct area *ar = &areas[a];

		if (ar->fd >= 0 && ftruncate(ar->fd, len))
			die("ftruncate");
		ar->len = len;
		/* room for an unaligned move: one more PMD */
		ar->slots[0] = reserve(len + pmd_size);
		ar->slots[1] = reserve(len + pmd_size);
		ar->addr = ar->slots[0];
		map_at(ar, ar->addr, 0, len);
		ar->gen = calloc(npages, sizeof(*ar->gen));
		if (!ar->gen)
			die("calloc");
		fill(a, 0, npages);
	}
}

static void range(size_t *p0, size_t *p1)
{
	*p0 = rnd(npages);
	*p1 = *p0 + 1 + rnd(npages - *p0);
}

static void op_move(struct area *ar, int unaligned)
{
	int to = !ar->slot;
	char *dst = ar->slots[to];
	void *m;

	if (unaligned)
		dst += (1 + rnd(pmd_size / page_size - 1)) * page_size;
	m = mremap(ar->addr, ar->len, ar->len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   dst);
	if (m == MAP_FAILED)
		die("mremap");
	/* keep the old place reserved, so nothing else is mapped there */
	if (mmap(ar->addr, ar->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_FIXED | MAP_NORESERVE, -1, 0) == MAP_FAILED)
		die("mmap re-reserve");
	ar->addr = dst;
	ar->slot = to;
}

static void op_pin(void)
{
	struct io_uring_params p = {};
	struct iovec iov;
	size_t p0, p1;

	range(&p0, &p1);
	ring_fd = syscall(__NR_io_uring_setup, 1, &p);
	if (ring_fd < 0) {
		my->failed[OP_PIN]++;
		return;
	}
	iov.iov_base = areas[0].addr + p0 * page_size;
	iov.iov_len = (p1 - p0) * page_size;
	if (syscall(__NR_io_uring_register, ring_fd, IORING_REGISTER_BUFFERS,
		    &iov, 1)) {
		my->failed[OP_PIN]++;
		close(ring_fd);
		ring_fd = -1;
		return;
	}
	pin_left = 1 + rnd(20);
}

static void op_fork(void)
{
	struct area *ar = &areas[0];
	size_t p0, p1;
	pid_t pid;
	int st;

	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		/* the child: copy on write, then check its own view */
		range(&p0, &p1);
		fill(0, p0, p1);
		usleep(rnd(20000));
		last_op = "fork_cow (child)";
		check_all("child");
		_exit(0);
	}
	/* meanwhile the parent writes too */
	range(&p0, &p1);
	fill(0, p0, p1);
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "damos_stress %d: fork child: status %#x\n",
			getpid(), st);
		__atomic_add_fetch(&my->bad_bytes, 1, __ATOMIC_RELAXED);
	}
	(void)ar;
}

static void one_op(void)
{
	int a = rnd(NR_AREAS), op = rnd(NR_OPS);
	struct area *ar = &areas[a];
	size_t p0, p1, p;
	char *s;

	range(&p0, &p1);
	s = ar->addr + p0 * page_size;
	if ((op == OP_FREE || op == OP_PIN || op == OP_FORK) && ar->fd >= 0)
		a = 0, ar = &areas[0], s = ar->addr + p0 * page_size;
	if (op == OP_PUNCH && ar->fd < 0)
		a = 1 + rnd(2), ar = &areas[a], s = ar->addr + p0 * page_size;
	if (op == OP_PIN && ring_fd >= 0)
		op = OP_WRITE;
	if (op == OP_UNPIN && ring_fd < 0)
		op = OP_COLLAPSE;
	last_op = op_names[op];
	my->ops[op]++;
	switch (op) {
	case OP_WRITE:
		fill(a, p0, p1);
		break;
	case OP_MOVE:
	case OP_MOVE_UNALIGNED:
		op_move(ar, op == OP_MOVE_UNALIGNED);
		break;
	case OP_REMAP:
		if (munmap(s, (p1 - p0) * page_size))
			die("munmap");
		map_at(ar, s, p0 * page_size, (p1 - p0) * page_size);
		if (ar->fd < 0)
			for (p = p0; p < p1; p++)
				ar->gen[p] = 0;
		break;
	case OP_MPROTECT:
		if (mprotect(s, (p1 - p0) * page_size, PROT_READ))
			die("mprotect");
		check_all("worker");
		usleep(rnd(5000));
		if (mprotect(s, (p1 - p0) * page_size, PROT_READ | PROT_WRITE))
			die("mprotect");
		break;
	case OP_FORK:
		op_fork();
		break;
	case OP_DONTNEED:
		if (madvise(s, (p1 - p0) * page_size, MADV_DONTNEED))
			die("madvise(MADV_DONTNEED)");
		if (ar->fd < 0)
			for (p = p0; p < p1; p++)
				ar->gen[p] = 0;
		break;
	case OP_FREE:
		if (madvise(s, (p1 - p0) * page_size, MADV_FREE)) {
			my->failed[op]++;
			break;
		}
		for (p = p0; p < p1; p++)
			if (ar->gen[p])
				ar->gen[p] |= GEN_FREE;
		break;
	case OP_PUNCH:
		if (fallocate(ar->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      p0 * page_size, (p1 - p0) * page_size))
			die("fallocate(PUNCH_HOLE)");
		for (p = p0; p < p1; p++)
			ar->gen[p] = 0;
		break;
	case OP_COLLAPSE:
		if (madvise(s, (p1 - p0) * page_size, MADV_COLLAPSE))
			my->failed[op]++;
		break;
	case OP_PIN:
		op_pin();
		break;
	case OP_UNPIN:
		close(ring_fd);
		ring_fd = -1;
		break;
	}
	if (ring_fd >= 0 && op != OP_PIN && !--pin_left) {
		close(ring_fd);
		ring_fd = -1;
	}
	check_all("worker");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void worker(const char *dir, int anchor)
{
	double end;

	setup(dir);
	check_all("worker");
	while (!__atomic_load_n(go, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(stop_all, __ATOMIC_RELAXED))
			exit(0);
		usleep(10000);
	}
	end = now() + 4 + rnd(9);
	if (end > *stop_at || anchor)
		end = *stop_at;
	while (!__atomic_load_n(stop_all, __ATOMIC_RELAXED) && now() < end) {
		one_op();
		usleep(rnd(2000));
	}
	exit(my->bad_bytes ? 1 : 0);
}

static void write_pids(const char *path, pid_t *pids, int n)
{
	char tmp[4096];
	FILE *f;
	int i;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		die("pid file");
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			fprintf(f, "%d\n", pids[i]);
	if (fclose(f) || rename(tmp, path))
		die("pid file");
}

int main(int argc, char **argv)
{
	unsigned long spawned = 0, crashed = 0, pmds = 1;
	struct stats total = {};
	pid_t pids[MAX_PROCS] = {};
	double end, seconds;
	int nr, i, k, live, wait_go = 0;
	sigset_t usr1;
	FILE *f;

	if (argc > 1 && !strcmp(argv[1], "-w")) {
		wait_go = 1;
		argv++;
		argc--;
	}
	if (argc < 5) {
		fprintf(stderr,
			"usage: damos_stress [-w] <nr procs> <seconds> <pid file> <tmpfs dir> [<PMDs>]\n");
		return 2;
	}
	nr = atoi(argv[1]);
	if (nr < 1 || nr > MAX_PROCS)
		nr = 3;
	seconds = atof(argv[2]);
	if (argc > 5)
		pmds = strtoul(argv[5], NULL, 0);
	/* blocked before the pid file exists: the driver's signal waits */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	page_size = sysconf(_SC_PAGESIZE);
	pmd_size = 2UL << 20;
	f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	if (f) {
		if (fscanf(f, "%lu", &pmd_size) != 1)
			pmd_size = 2UL << 20;
		fclose(f);
	}
	npages = pmds * pmd_size / page_size;
	stats = mmap(NULL, sizeof(*stats) * MAX_PROCS + page_size,
		     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED)
		die("mmap stats");
	stop_all = (int *)&stats[MAX_PROCS];
	go = stop_all + 1;
	stop_at = (double *)(stop_all + 2);
	seed = getpid() ^ time(NULL);
	/* until the clock starts, workers are spawned but do not count down */
	end = now() + seconds + (wait_go ? 1e9 : 0);
	*stop_at = end;
	*go = !wait_go;

	while (1) {
		int st;
		pid_t pid;

		live = 0;
		for (i = 0; i < nr; i++) {
			if (!pids[i] && now() < end) {
				memset(&stats[i], 0, sizeof(stats[i]));
				seed = seed * 1103515245 + 12345 + i;
				pids[i] = fork();
				if (pids[i] < 0)
					die("fork");
				if (!pids[i]) {
					my = &stats[i];
					seed ^= getpid();
					worker(argv[4], !i && !spawned);
				}
				spawned++;
			}
			live += pids[i] > 0;
		}
		write_pids(argv[3], pids, nr);
		if (!live)
			break;
		if (!*go) {
			struct timespec wait = { .tv_sec = 300 };

			sigtimedwait(&usr1, NULL, &wait);
			end = now() + seconds;
			*stop_at = end;
			__atomic_store_n(go, 1, __ATOMIC_RELEASE);
		}
		if (now() >= end)
			__atomic_store_n(stop_all, 1, __ATOMIC_RELAXED);
		pid = waitpid(-1, &st, 0);
		if (pid < 0)
			die("waitpid");
		for (i = 0; i < nr && pids[i] != pid; i++)
			;
		if (i == nr)
			continue;
		if (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) > 1)) {
			fprintf(stderr, "damos_stress: worker %d died: status %#x\n",
				pid, st);
			crashed++;
		}
		for (k = 0; k < NR_OPS; k++) {
			total.ops[k] += stats[i].ops[k];
			total.failed[k] += stats[i].failed[k];
		}
		total.checks += stats[i].checks;
		total.bytes_checked += stats[i].bytes_checked;
		total.bad_bytes += stats[i].bad_bytes;
		pids[i] = 0;
	}
	unlink(argv[3]);
	for (k = 0, i = 0; k < NR_OPS; k++)
		i += total.ops[k];
	printf("damos_stress: %d processes at a time, %lu started, %d operations (",
	       nr, spawned, i);
	for (k = 0; k < NR_OPS; k++) {
		printf("%s%s %lu", k ? ", " : "", op_names[k], total.ops[k]);
		if (total.failed[k])
			printf(" (%lu refused)", total.failed[k]);
	}
	printf("), %lu checks of %lu MiB, %lu bytes changed, %lu workers died\n",
	       total.checks, total.bytes_checked >> 20, total.bad_bytes,
	       crashed);
	return total.bad_bytes || crashed ? 1 : 0;
}
