#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
'''
DAMOS_SPLIT changes only memory that its target alone maps.  Like
MADV_COLD and MADV_PAGEOUT, it skips a folio that another process may map
(folio_maybe_mapped_shared()), and splits it on a later apply once it is no
longer shared:

- anon: two PMD THPs shared copy-on-write with a forked child stay THPs in
  both processes (the child's AnonHugePages unchanged), sz_applied stays 0;
  once the child exited, they are split to order 0.
- shmem: two PMD THPs of a memfd that a forked child maps too (MAP_SHARED)
  stay PMD-mapped in the child (ShmemPmdMapped unchanged) and in the
  target; once the child exited, they are split to order 0.
'''

import os
import time

import _damon_ext as f

def start_split(mem, lo, hi):
    return f.start_scheme(mem, 'split', 0, 200000, lo, hi)

def orders(mem, lo, hi, shmem):
    # a shmem split unmaps the folio: map it again before reading pagemap
    if shmem:
        mem.check()
    return mem.orders(lo, hi)

def wait_split(mem, lo, hi, shmem, timeout=60):
    deadline = time.time() + timeout
    got = orders(mem, lo, hi, shmem)
    while got != {0: f.pages(lo, hi)} and time.time() < deadline:
        time.sleep(0.5)
        got = orders(mem, lo, hi, shmem)
    return got

def test(name, mem, field, shmem, after_fork=None):
    pmd = f.pmd_order()
    thp = f.pmd_size()
    lo, hi = mem.start + thp, mem.start + 3 * thp
    n = f.pages(lo, hi)
    if mem.orders(mem.start, mem.end) != {pmd: f.pages(mem.start, mem.end)}:
        return f.skip_case(name, 'not backed by PMD THPs')
    words = mem.cmd('fork').split()
    if len(words) != 2 or words[0] != 'fork':
        print('%s: fork: %s' % (name, ' '.join(words)))
        return False
    child = int(words[1])
    if after_fork:
        after_fork()
    child_huge = f.smaps_kb(child, field)
    ok = True
    kdamonds = start_split(mem, lo, hi)
    try:
        kdamond = kdamonds.kdamonds[0]
        scheme = kdamond.contexts[0].schemes[0]
        # ten apply rounds while the child maps the THPs too
        st = f.wait_tried(kdamond, 0)
        st = f.wait_tried(kdamond, st.nr_tried + 10)
        shared = mem.orders(lo, hi)
        child_after = f.smaps_kb(child, field)
        applied_shared = st.sz_applied
        print('%s: while shared: orders %s, child %s %d -> %d KiB, '
              'sz_applied %d' % (name, shared, field, child_huge, child_after,
                                 applied_shared))
        if shared != {pmd: n} or applied_shared != 0:
            ok = False
        if child_huge < (mem.len >> 10) or child_after != child_huge:
            ok = False
        # the child exits: the THPs are the target's alone, and are split
        if mem.cmd('reap') != 'reap ok':
            print('%s: the child saw its memory changed' % name)
            ok = False
        got = wait_split(mem, lo, hi, shmem)
        kdamond.update_schemes_stats()
        print('%s: after the child exited: orders %s, sz_applied %d' %
              (name, got, scheme.stats.sz_applied))
        ok = ok and got == {0: n} and scheme.stats.sz_applied == hi - lo
    finally:
        kdamonds.stop()
    outside = [orders(mem, mem.start, lo, shmem), orders(mem, hi, mem.end,
                                                        shmem)]
    if outside != [{pmd: f.pages(mem.start, lo)}, {pmd: f.pages(hi, mem.end)}]:
        print('%s: memory outside the filter changed: %s' % (name, outside))
        ok = False
    if not mem.check():
        print('%s: contents changed' % name)
        ok = False
    print('%s: %s' % (name, 'ok' if ok else 'FAIL'))
    return ok

def main():
    f.require_thp()
    pmd = f.pmd_order()
    thp = f.pmd_size()
    f.anon_thp_never()
    f.set_thp(os.path.join(os.path.basename(f.order_dir(pmd)), 'enabled'),
              'inherit')
    results = []

    f.set_thp('enabled', 'always')
    mem = f.FolioMem(4 * thp >> 10, 'anon')
    f.set_thp('enabled', 'never')
    try:
        results.append(test('anon, COW-shared with a child', mem,
                            'AnonHugePages', False))
    finally:
        mem.stop()

    name = 'memfd, mapped by a child too'
    if not os.path.exists(os.path.join(f.order_dir(pmd), 'shmem_enabled')):
        results.append(f.skip_case(name, 'shmem folios cannot be PMD-sized'))
    else:
        f.set_thp('shmem_enabled', 'always')
        mem = f.FolioMem(4 * thp >> 10, 'memfd')
        try:
            # the child's read faults map the THPs with PMDs
            results.append(test(name, mem, 'ShmemPmdMapped', True,
                                lambda: f.set_thp('shmem_enabled', 'never')))
        finally:
            mem.stop()
    f.exit_results(results)

if __name__ == '__main__':
    main()
