#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
'''
Writing "off" returns promptly while DAMOS_COLLAPSE works through a large
region: kdamond checks for a stop request between steps of at most one PMD.

The target has 1 GiB of base pages in three DAMON regions; a collapse scheme
at order 2 would take seconds per region (one collapse per 16 KiB).  Once
the collapse has started, "off" must return within one second, before the
collapse is done.
'''

import time

import _damon_ext as f

order = 2

def main():
    f.require_thp()
    f.anon_thp_never()
    mem = f.FolioMem(1 << 20, 'anon')
    try:
        allocs = f.collapse_allocs(order)
        kdamonds = f.start_scheme(mem, 'collapse', order, 100000)
        deadline = time.time() + 120
        while f.collapse_allocs(order) - allocs < 1024 and \
                time.time() < deadline:
            time.sleep(0.05)
        started = f.collapse_allocs(order) - allocs
        t0 = time.time()
        kdamonds.stop()
        took = time.time() - t0
        done = f.collapse_allocs(order) - allocs
        total = mem.len >> (order + f.page_size.bit_length() - 1)
        print('"off" took %.3f s, %d of %d chunks collapsed when it was '
              'written, %d when it returned (%d regions)' %
              (took, started, total, done,
               len(kdamonds.kdamonds[0].contexts[0].targets[0].regions)))
        ok = started >= 1024 and done < total and took < 1.0
        ok = ok and mem.check()
        print('off during a 1 GiB collapse: %s' % ('ok' if ok else 'FAIL'))
        f.exit_results([ok])
    finally:
        mem.stop()

if __name__ == '__main__':
    main()
