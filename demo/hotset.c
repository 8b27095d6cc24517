// SPDX-License-Identifier: GPL-2.0
/*
 * hotset: a workload with a sparse hot set in THP-backed memory, for the
 * DAMOS_SPLIT/DAMOS_COLLAPSE demo (README: "make demo").
 *
 * Maps a PMD-aligned region, faults every page of it in this process (so
 * the memory is backed by THPs where the backing and THP settings allow;
 * never fault in a forked child: its writes would COW-split the THPs), then
 * touches a hot set forever:
 *   - one 4 KiB page in each of HOT_PCT percent of the 2 MiB ranges
 *     (spread evenly), and
 *   - a dense hot block of DENSE_KIB, starting at a 2 MiB boundary in the
 *     middle of the region.
 * The ground truth is written to TRUTH (atomically, once the region is
 * faulted in): a line "pid <pid>", "region <start> <end>", then one line
 * "hot <start> <end>" per hot range (addresses in hex), and "dense <start>
 * <end>" for the dense block.
 *
 * Usage: hotset [-s MiB] [-p HOT_PCT] [-d DENSE_KIB] [-b BACKING] -t TRUTH
 *   BACKING: anon (default: follows the THP "enabled" setting),
 *            madvise (anon + MADV_HUGEPAGE), shmem:DIR (a file on the tmpfs
 *            at DIR), memfd
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* The PMD (THP) size and the base page size, read at start */
static unsigned long thp_size, page_size;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	unsigned long size = 512UL << 20, dense = 1UL << 20, nthp, i, dense_at;
	unsigned long nhot = 0, *hot;
	const char *backing = "anon", *truth = NULL;
	int hot_pct = 5, opt, fd = -1;
	char tmp[4096];
	char *raw, *area;
	FILE *f;

	page_size = sysconf(_SC_PAGESIZE);
	f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	if (!f || fscanf(f, "%lu", &thp_size) != 1)
		die("hpage_pmd_size");
	fclose(f);

	while ((opt = getopt(argc, argv, "s:p:d:b:t:")) != -1) {
		switch (opt) {
		case 's':
			size = strtoul(optarg, NULL, 0) << 20;
			break;
		case 'p':
			hot_pct = atoi(optarg);
			break;
		case 'd':
			dense = strtoul(optarg, NULL, 0) << 10;
			break;
		case 'b':
			backing = optarg;
			break;
		case 't':
			truth = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-s MiB] [-p HOT_PCT] [-d DENSE_KIB] [-b anon|madvise|shmem:DIR|memfd] -t TRUTH\n",
				argv[0]);
			return 2;
		}
	}
	if (!truth || size < 4 * thp_size || size % thp_size || hot_pct < 0 ||
	    hot_pct > 100 || dense % page_size || dense > size / 4) {
		fprintf(stderr, "hotset: bad arguments (need -t; size a multiple of 2 MiB, >= 8 MiB; dense <= size/4)\n");
		return 2;
	}
	nthp = size / thp_size;

	if (!strcmp(backing, "anon") || !strcmp(backing, "madvise")) {
		raw = mmap(NULL, size + thp_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else if (!strncmp(backing, "shmem:", 6) || !strcmp(backing, "memfd")) {
		if (!strcmp(backing, "memfd"))
			fd = memfd_create("hotset", 0);
		else
			fd = open(backing + 6, O_TMPFILE | O_RDWR, 0600);
		if (fd < 0 || ftruncate(fd, size))
			die("shmem file");
		raw = mmap(NULL, size + thp_size, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else {
		fprintf(stderr, "hotset: unknown backing %s\n", backing);
		return 2;
	}
	if (raw == MAP_FAILED)
		die("mmap");
	area = (char *)(((unsigned long)raw + thp_size - 1) & ~(thp_size - 1));
	if (fd >= 0 && mmap(area, size, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		die("mmap shared");
	if (!strcmp(backing, "madvise") && madvise(area, size, MADV_HUGEPAGE))
		die("madvise");

	/* fault everything in, here, with non-zero data */
	for (i = 0; i < size; i += page_size)
		memset(area + i, (int)(i / page_size) | 1, page_size);

	/* the hot set: the dense block, and one page in HOT_PCT% of the THPs */
	dense_at = nthp / 2 * thp_size;
	hot = calloc(nthp + dense / page_size, sizeof(*hot));
	if (!hot)
		die("calloc");
	for (i = 0; hot_pct && i < nthp; i++) {
		unsigned long addr;

		/* evenly spread: THP i is hot when the running share crosses */
		if ((i + 1) * hot_pct / 100 == i * hot_pct / 100)
			continue;
		addr = i * thp_size + (i * 97 % (thp_size / page_size)) * page_size;
		if (addr >= dense_at && addr < dense_at + dense)
			continue;
		hot[nhot++] = addr;
	}

	snprintf(tmp, sizeof(tmp), "%s.tmp", truth);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "pid %d\nregion %lx %lx\n", getpid(), (unsigned long)area,
		(unsigned long)area + size);
	for (i = 0; i < nhot; i++)
		fprintf(f, "hot %lx %lx\n", (unsigned long)area + hot[i],
			(unsigned long)area + hot[i] + page_size);
	if (dense) {
		fprintf(f, "hot %lx %lx\n", (unsigned long)area + dense_at,
			(unsigned long)area + dense_at + dense);
		fprintf(f, "dense %lx %lx\n", (unsigned long)area + dense_at,
			(unsigned long)area + dense_at + dense);
	}
	if (fclose(f) || rename(tmp, truth))
		die(truth);

	/* touch the hot set: read and write one word per hot page */
	for (;;) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };

		for (i = 0; i < nhot; i++)
			((volatile unsigned long *)(area + hot[i]))[0]++;
		for (i = 0; i < dense; i += page_size)
			((volatile unsigned long *)(area + dense_at + i))[0]++;
		nanosleep(&ts, NULL);
	}
	return 0;
}
