// SPDX-License-Identifier: GPL-2.0
/*
 * tlbtick: force a context switch on every CPU every N microseconds.
 *
 * QEMU's TCG software TLB keeps a translation until the guest writes CR3/CR4
 * or executes INVLPG.  A task that never leaves its CPU therefore never walks
 * its page tables again, and the Accessed bits DAMON clears are never set
 * again: DAMON sees no access.  Real TLBs are small and refill constantly.
 * One SCHED_FIFO sleeper per CPU, in its own address space, makes the kernel
 * switch mm (write CR3, flushing QEMU's TLB) every tick, which restores the
 * hardware behaviour DAMON relies on.  Usage: tlbtick <interval_us>
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long us = argc > 1 ? atol(argv[1]) : 1000;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	for (long cpu = 0; cpu < ncpu; cpu++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			struct sched_param sp = { .sched_priority = 1 };
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set))
				perror("sched_setaffinity");
			if (sched_setscheduler(0, SCHED_FIFO, &sp))
				perror("sched_setscheduler");
			for (;;)
				nanosleep(&ts, NULL);
		}
	}
	while (wait(NULL) > 0)
		;
	return 0;
}
