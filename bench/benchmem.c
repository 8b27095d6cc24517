// SPDX-License-Identifier: GPL-2.0
/*
 * benchmem: the target process of `make bench` (bench/bench.py).
 *
 * Reserves RESERVE MiB of anonymous memory (PMD-aligned, MAP_NORESERVE),
 * faults the first SIZE MiB of it in this process, writing a pattern to
 * every 8-byte word (no zero pages), and answers commands on stdin:
 *
 *   collapse		madvise(MADV_COLLAPSE) over the faulted part; prints
 *			"collapse <rc> <wall ns> <cpu ns>" (rc: 0 or errno)
 *   split <order>	writes "<pid>,<start>,<end>,<order>" to
 *			/sys/kernel/debug/split_huge_pages (the kernel's own
 *			range split); prints "split <rc> <wall ns> <cpu ns>"
 *   touch <ms>		writes one word of every 4 KiB page of the faulted
 *			part in turn (the pattern's own value, so the content
 *			stays checkable) for <ms> milliseconds; prints
 *			"touch <pages touched> <wall ns>"
 *   orders		prints "orders <order>:<pages> ... [none:<pages>]": how
 *			many base pages of the faulted part are mapped by
 *			folios of each order (/proc/self/pagemap and
 *			/proc/kpageflags; a folio's mapped pages are counted
 *			in one step, so 1 GiB takes well under a second)
 *   check		prints "check ok", or "check bad <offset>"
 *   exit
 *
 * With -l thp the faulted part gets MADV_HUGEPAGE first (PMD THPs with THP
 * "enabled" at madvise); with -l small it is faulted with base pages (THP
 * "enabled" at madvise or never). bench.py sets the THP sysfs knobs.
 *
 * Usage: benchmem -s SIZE_MiB [-r RESERVE_MiB] [-l thp|small]
 * Prints "ready <start> <end>" (hex, the faulted part) when set up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

/* The PMD (THP) size and the base page size, read at start */
static unsigned long pmd_sz, page_sz;

static uint64_t *area;
static unsigned long len;

static uint64_t word(size_t i)
{
	return (i * 0x9e3779b97f4a7c15ULL) | 1;
}

static uint64_t ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void cmd_split(unsigned int order)
{
	uint64_t w0, c0;
	char buf[128];
	int fd, n, rc = 0;

	fd = open("/sys/kernel/debug/split_huge_pages", O_WRONLY);
	if (fd < 0) {
		printf("split %d 0 0\n", errno);
		return;
	}
	n = snprintf(buf, sizeof(buf), "%d,0x%lx,0x%lx,%u", getpid(),
		     (unsigned long)area, (unsigned long)area + len, order);
	w0 = ns(CLOCK_MONOTONIC);
	c0 = ns(CLOCK_THREAD_CPUTIME_ID);
	if (write(fd, buf, n) != n)
		rc = errno;
	printf("split %d %llu %llu\n", rc,
	       (unsigned long long)(ns(CLOCK_MONOTONIC) - w0),
	       (unsigned long long)(ns(CLOCK_THREAD_CPUTIME_ID) - c0));
	close(fd);
}

static void cmd_collapse(void)
{
	uint64_t w0 = ns(CLOCK_MONOTONIC), c0 = ns(CLOCK_THREAD_CPUTIME_ID);
	int rc = madvise(area, len, MADV_COLLAPSE) ? errno : 0;

	printf("collapse %d %llu %llu\n", rc,
	       (unsigned long long)(ns(CLOCK_MONOTONIC) - w0),
	       (unsigned long long)(ns(CLOCK_THREAD_CPUTIME_ID) - c0));
}

static void cmd_touch(unsigned long ms)
{
	volatile uint64_t *a = area;
	size_t stride = page_sz / sizeof(*area), nwords = len / sizeof(*area);
	uint64_t start = ns(CLOCK_MONOTONIC), end = start + ms * 1000000ULL;
	uint64_t now = start, ops = 0;
	size_t i = 0;

	while (now < end) {
		for (int k = 0; k < 256; k++) {
			a[i] = word(i);
			i += stride;
			if (i >= nwords)
				i = (i + 1) % stride;
		}
		ops += 256;
		now = ns(CLOCK_MONOTONIC);
	}
	printf("touch %llu %llu\n", (unsigned long long)ops,
	       (unsigned long long)(now - start));
}

#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define KPF_HEAD	(1ULL << 15)
#define KPF_TAIL	(1ULL << 16)
#define MAX_ORDER_SEEN	20

static uint64_t kpf(int fd, uint64_t pfn)
{
	uint64_t v = 0;

	if (pread(fd, &v, sizeof(v), pfn * 8) != sizeof(v))
		return 0;
	return v;
}

/* Number of pages of the folio whose head is @head (tails counted in bulk). */
static uint64_t folio_pages(int fd, uint64_t head)
{
	uint64_t buf[512], nr = 1;

	for (;;) {
		ssize_t got = pread(fd, buf, sizeof(buf), (head + nr) * 8);

		if (got <= 0)
			return nr;
		for (ssize_t k = 0; k < got / 8; k++) {
			if (!(buf[k] & KPF_TAIL) || (buf[k] & KPF_HEAD))
				return nr;
			nr++;
		}
		if (nr > (1ULL << MAX_ORDER_SEEN))
			return nr;
	}
}

static void cmd_orders(void)
{
	unsigned long n = len / page_sz, i = 0, none = 0;
	unsigned long pages[MAX_ORDER_SEEN + 2] = {};
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kf = open("/proc/kpageflags", O_RDONLY);
	uint64_t *ent = malloc(n * sizeof(*ent));

	if (pm < 0 || kf < 0 || !ent ||
	    pread(pm, ent, n * sizeof(*ent), (unsigned long)area / page_sz * 8) !=
	    (ssize_t)(n * sizeof(*ent))) {
		printf("orders error %d\n", errno);
		goto out;
	}
	while (i < n) {
		uint64_t pfn = ent[i] & PM_PFN_MASK, head = pfn, nr, run = 1;
		uint64_t flags;
		int order = 0;

		if (!(ent[i] & PM_PRESENT)) {
			none++;
			i++;
			continue;
		}
		flags = kpf(kf, pfn);
		if (!(flags & (KPF_HEAD | KPF_TAIL))) {
			pages[0]++;
			i++;
			continue;
		}
		while (!(kpf(kf, head) & KPF_HEAD) && head && pfn - head < (1UL << MAX_ORDER_SEEN))
			head--;
		nr = folio_pages(kf, head);
		while ((1ULL << order) < nr)
			order++;
		if (order > MAX_ORDER_SEEN || (1ULL << order) != nr)
			order = MAX_ORDER_SEEN + 1;	/* not a power of two: bad */
		/* the pages of this folio mapped in a row from here */
		while (i + run < n && (ent[i + run] & PM_PRESENT) &&
		       (ent[i + run] & PM_PFN_MASK) == pfn + run && pfn + run < head + nr)
			run++;
		pages[order] += run;
		i += run;
	}
	printf("orders");
	for (int o = 0; o <= MAX_ORDER_SEEN; o++)
		if (pages[o])
			printf(" %d:%lu", o, pages[o]);
	if (pages[MAX_ORDER_SEEN + 1])
		printf(" bad:%lu", pages[MAX_ORDER_SEEN + 1]);
	if (none)
		printf(" none:%lu", none);
	printf("\n");
out:
	free(ent);
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
}

static void cmd_check(void)
{
	for (size_t i = 0; i < len / sizeof(*area); i++) {
		if (area[i] != word(i)) {
			printf("check bad %#zx\n", i * sizeof(*area));
			return;
		}
	}
	printf("check ok\n");
}

int main(int argc, char **argv)
{
	unsigned long size = 64UL << 20, reserve = 0;
	const char *layout = "thp";
	char line[256];
	char *raw;
	int opt;
	FILE *f;

	f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	if (!f || fscanf(f, "%lu", &pmd_sz) != 1) {
		perror("hpage_pmd_size");
		return 1;
	}
	fclose(f);
	page_sz = sysconf(_SC_PAGESIZE);

	while ((opt = getopt(argc, argv, "s:r:l:")) != -1) {
		switch (opt) {
		case 's':
			size = strtoul(optarg, NULL, 0) << 20;
			break;
		case 'r':
			reserve = strtoul(optarg, NULL, 0) << 20;
			break;
		case 'l':
			layout = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s -s SIZE_MiB [-r RESERVE_MiB] [-l thp|small]\n",
				argv[0]);
			return 2;
		}
	}
	if (reserve < size)
		reserve = size;
	if (!size || size % pmd_sz || (strcmp(layout, "thp") && strcmp(layout, "small"))) {
		fprintf(stderr, "benchmem: bad arguments\n");
		return 2;
	}
	raw = mmap(NULL, reserve + pmd_sz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	area = (uint64_t *)(((unsigned long)raw + pmd_sz - 1) & ~(pmd_sz - 1));
	len = size;
	if (!strcmp(layout, "thp") && madvise(area, len, MADV_HUGEPAGE)) {
		perror("madvise(MADV_HUGEPAGE)");
		return 1;
	}
	for (size_t i = 0; i < len / sizeof(*area); i++)
		area[i] = word(i);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %lx %lx\n", (unsigned long)area, (unsigned long)area + len);
	while (fgets(line, sizeof(line), stdin)) {
		unsigned long arg = 0;
		char cmd[32];

		if (sscanf(line, "%31s %lu", cmd, &arg) < 1)
			continue;
		if (!strcmp(cmd, "collapse"))
			cmd_collapse();
		else if (!strcmp(cmd, "split"))
			cmd_split(arg);
		else if (!strcmp(cmd, "touch"))
			cmd_touch(arg);
		else if (!strcmp(cmd, "orders"))
			cmd_orders();
		else if (!strcmp(cmd, "check"))
			cmd_check();
		else if (!strcmp(cmd, "exit"))
			break;
		else
			printf("error unknown command %s\n", cmd);
	}
	return 0;
}
