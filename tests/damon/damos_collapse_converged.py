#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
'''
DAMOS_COLLAPSE on memory that is already collapsed, and what it counts.

A collapse scheme keeps applying to its regions every apply interval.  Once
they are collapsed, that must cost nothing: no folio allocation (per-size
stats/collapse_alloc, thp_collapse_alloc for the PMD order, do not move over
at least 50 more apply rounds), and nothing counted: sz_applied is the bytes
put into new folios of target_order, exactly once.  Memory already in large
folios that do not make whole aligned target_order chunks (a PMD THP with a
page zapped, 64 KiB mTHPs moved by mremap() to an address one page off) is
left as it is, costs nothing and is not counted.  Only the pages of the chunks
being collapsed decide whether they can be: a pinned page in the same PMD,
outside the address filter, does not stop them, and one inside it leaves only
its own chunk.  A chunk that is already one folio of the target order is done
even if one of its PTEs is write-protected with userfaultfd (the collapse
reports success in the mm_khugepaged_scan_pmd tracepoint).
DAMON's regions are fixed to the filter's edges (see fixed_regions()).
'''

import os
import time

import _damon_ext as f

apply_us = 100000
min_rounds = 50

def start(mem, order, lo, hi, edges):
    return f.start_scheme(
        mem, 'collapse', None if order == f.pmd_order() else order,
        apply_us, lo, hi, edges)

def stats(kdamonds):
    err = kdamonds.kdamonds[0].update_schemes_stats()
    if err is not None:
        raise RuntimeError('stats update failed: %s' % err)
    return kdamonds.kdamonds[0].contexts[0].schemes[0].stats

def wait_rounds(kdamonds, nr_tried, nr_regions):
    '''Wait for at least min_rounds apply intervals and for nr_tried to grow
    by min_rounds times the number of DAMON regions inside the filter (DAMOS
    tries each of them once per apply interval).'''
    t0 = time.time()
    deadline = t0 + 120
    while time.time() < deadline:
        st = stats(kdamonds)
        if st.nr_tried >= nr_tried + min_rounds * nr_regions and \
                time.time() - t0 >= min_rounds * apply_us / 1e6:
            return st
        time.sleep(0.5)
    raise RuntimeError('scheme was not tried %d more times' % min_rounds)

def converge_and_stay(name, mem, order, lo, hi, edges, expect_in,
                      expect_applied, expect_allocs):
    '''Apply a collapse scheme to [lo, hi) until the orders there are
    expect_in, then keep it applying: nothing may be allocated or counted.'''
    allocs0 = f.collapse_allocs(order)
    kdamonds = start(mem, order, lo, hi, edges)
    try:
        got = f.wait_orders(mem, lo, hi, expect_in, timeout=150)
        # the round that collapsed the last chunk has been accounted once
        # the scheme is tried again
        st = stats(kdamonds)
        nr_regions = len([e for e in [mem.start] + edges if lo <= e < hi])
        st1 = wait_rounds(kdamonds, st.nr_tried, nr_regions)
        allocs1 = f.collapse_allocs(order)
        st2 = wait_rounds(kdamonds, st1.nr_tried, nr_regions)
        allocs2 = f.collapse_allocs(order)
    finally:
        kdamonds.stop()
    ok = True
    if got != expect_in:
        print('%s: not collapsed: %s, expected %s' % (name, got, expect_in))
        ok = False
    if allocs2 != allocs1:
        print('%s: %d folios allocated for collapse in %d rounds on '
              'collapsed memory' % (name, allocs2 - allocs1,
                                    st2.nr_tried - st1.nr_tried))
        ok = False
    # at least one per collapsed chunk (a chunk whose collapse failed after
    # the allocation, e.g. on a locked page, is retried and allocates again)
    if allocs1 - allocs0 < expect_allocs:
        print('%s: %d folios allocated to collapse, expected at least %d' %
              (name, allocs1 - allocs0, expect_allocs))
        ok = False
    if st2.sz_applied != st1.sz_applied:
        print('%s: sz_applied grew from %d to %d on collapsed memory' %
              (name, st1.sz_applied, st2.sz_applied))
        ok = False
    if st1.sz_applied != expect_applied:
        print('%s: sz_applied %d, but %d bytes were collapsed' %
              (name, st1.sz_applied, expect_applied))
        ok = False
    print('%s: %s (sz_applied %d, allocs %d then %d over %d tries)' %
          (name, 'ok' if ok else 'FAIL', st2.sz_applied, allocs1 - allocs0,
           allocs2 - allocs1, st2.nr_tried - st1.nr_tried))
    return ok

def test_converged(order):
    '''Collapse [lo, hi) of 4 KiB pages, then keep applying.'''
    thp = f.pmd_size()
    mem = f.FolioMem(4 * thp >> 10, 'anon')
    try:
        chunk = f.page_size << order
        off = 0 if order == f.pmd_order() else chunk
        lo = mem.start + thp + off
        hi = mem.start + 3 * thp - off
        n = f.pages(lo, hi)
        ok = converge_and_stay('converged order %d' % order, mem, order,
                               lo, hi, [lo, hi], {order: n},
                               n * f.page_size, n >> order)
        if mem.orders(mem.start, lo) != {0: f.pages(mem.start, lo)} or \
                mem.orders(hi, mem.end) != {0: f.pages(hi, mem.end)}:
            print('converged order %d: memory outside the filter changed' %
                  order)
            ok = False
        if not mem.check():
            print('converged order %d: contents changed' % order)
            ok = False
        return ok
    finally:
        mem.stop()

def test_partly_zapped(order):
    '''A PMD THP with one page zapped (PTE-mapped, PMD order, one hole)
    next to a PMD of 4 KiB pages: collapsing both to order leaves the THP as
    it is and counts only the second PMD.'''
    thp = f.pmd_size()
    mem = f.FolioMem(2 * thp >> 10, 'anon')
    try:
        pmd = mem.start
        hole = pmd + (f.page_size << order) + f.page_size
        if mem.cmd('collapse %x %x' % (pmd, pmd + thp)) != \
                'collapse ok' or \
                mem.cmd('zap %x %x' % (hole, hole + f.page_size)) != 'zap ok':
            print('partly zapped order %d: set-up failed' % order)
            return False
        zapped = {f.pmd_order(): f.pages(pmd, pmd + thp) - 1, 'none': 1}
        if mem.orders(pmd, pmd + thp) != zapped:
            print('partly zapped order %d: set-up gave %s' %
                  (order, mem.orders(pmd, pmd + thp)))
            return False
        second = f.pages(pmd + thp, mem.end)
        ok = converge_and_stay('partly zapped THP, order %d' % order, mem,
                               order, mem.start, mem.end,
                               [pmd + thp, pmd + thp + thp // 2],
                               {f.pmd_order(): zapped[f.pmd_order()],
                                'none': 1, order: second},
                               second * f.page_size, second >> order)
        if not mem.check(pmd, hole) or \
                not mem.check(hole + f.page_size, mem.end):
            print('partly zapped order %d: contents changed' % order)
            ok = False
        return ok
    finally:
        mem.stop()

def test_unaligned_mthp(order):
    '''64 KiB mTHPs moved by mremap() one page off their alignment, in a
    PMD that the new VMA wholly covers: no chunk of order is one folio, and
    collapse cannot use them, so nothing is collapsed, allocated or
    counted.'''
    name = 'unaligned mTHPs, order %d' % order
    if not os.path.exists(os.path.join(f.order_dir(order), 'enabled')):
        print('%s: SKIP (no %d KiB mTHP size)' % (name, f.page_size << order >> 10))
        return None
    thp = f.pmd_size()
    f.set_thp(os.path.join(os.path.basename(f.order_dir(order)), 'enabled'),
              'always')
    try:
        mem = f.FolioMem(5 * thp >> 10, 'anon')
    finally:
        f.set_thp(os.path.join(os.path.basename(f.order_dir(order)),
                               'enabled'), 'never')
    try:
        # the first two PMDs of mTHPs, moved to one page after their end
        src, dst = mem.start, mem.start + 2 * thp + f.page_size
        if mem.orders(src, src + 2 * thp) != {order: f.pages(0, 2 * thp)}:
            print('%s: SKIP (faults gave %s)' %
                  (name, mem.orders(src, src + 2 * thp)))
            return None
        if mem.cmd('move %x %x %x' % (src, src + 2 * thp, dst)) != 'move ok':
            print('%s: mremap failed' % name)
            return False
        # the fourth PMD of the area: one PMD inside the moved VMA
        lo, hi = mem.start + 3 * thp, mem.start + 4 * thp
        before = mem.orders(lo, hi)
        if before != {order: f.pages(lo, hi)}:
            print('%s: SKIP (after mremap %s)' % (name, before))
            return None
        allocs0 = f.collapse_allocs(order)
        kdamonds = start(mem, order, lo, hi, [lo, hi])
        try:
            st = wait_rounds(kdamonds, stats(kdamonds).nr_tried, 1)
        finally:
            kdamonds.stop()
        allocs = f.collapse_allocs(order) - allocs0
        after = mem.orders(lo, hi)
        ok = st.sz_applied == 0 and allocs == 0 and after == before
        print('%s: %s (sz_applied %d, %d folios allocated over %d tries, '
              'orders %s)' % (name, 'ok' if ok else 'FAIL', st.sz_applied,
                              allocs, st.nr_tried, after))
        return ok
    finally:
        mem.stop()

def test_pin_outside(order):
    '''A pinned page in the PMD, outside the filter: the chunks inside the
    filter still collapse.'''
    thp = f.pmd_size()
    mem = f.FolioMem(2 * thp >> 10, 'anon')
    try:
        pmd = mem.start + thp
        lo = pmd + thp // 2
        hi = mem.end
        if mem.cmd('pin %x %x' % (pmd + f.page_size,
                                  pmd + 2 * f.page_size)) != 'pin ok':
            f.skip('cannot pin a page with io_uring')
        n = f.pages(lo, hi)
        ok = converge_and_stay('pinned page outside the filter, order %d' %
                               order, mem, order, lo, hi, [pmd, lo],
                               {order: n},
                               n * f.page_size, n >> order)
        if mem.orders(mem.start, lo) != {0: f.pages(mem.start, lo)}:
            print('pinned page outside the filter, order %d: memory outside '
                  'the filter changed: %s' % (order, mem.orders(mem.start, lo)))
            ok = False
        if not mem.check():
            print('pinned page outside the filter: contents changed')
            ok = False
        return ok
    finally:
        mem.stop()

def test_pin_inside(order):
    '''A pinned page inside the filter: only its own chunk is left, the other
    chunks of its PMD collapse.'''
    thp = f.pmd_size()
    mem = f.FolioMem(2 * thp >> 10, 'anon')
    try:
        pmd = mem.start + thp
        lo, hi = pmd, mem.end
        chunk = f.page_size << order
        pinned = pmd + 2 * chunk + f.page_size
        if mem.cmd('pin %x %x' % (pinned, pinned + f.page_size)) != 'pin ok':
            f.skip('cannot pin a page with io_uring')
        n = f.pages(lo, hi)
        left = f.pages(0, chunk)
        name = 'pinned page inside the filter, order %d' % order
        # two regions in the PMD: a region of it all would be larger than
        # the memory / min_nr_regions, and DAMON would cut it anywhere
        ok = converge_and_stay(name, mem, order, lo, hi,
                               [pmd, pmd + thp // 2],
                               {order: n - left, 0: left},
                               (n - left) * f.page_size, (n - left) >> order)
        small = [i for i in range(thp // chunk)
                 if mem.orders(pmd + i * chunk, pmd + (i + 1) * chunk) !=
                 {order: left}]
        if small != [2]:
            print('%s: chunks %s of the PMD not at order %d, expected only '
                  'the pinned one (2)' % (name, small, order))
            ok = False
        if mem.orders(mem.start, lo) != {0: f.pages(mem.start, lo)}:
            print('%s: memory outside the filter changed' % name)
            ok = False
        if not mem.check():
            print('%s: contents changed' % name)
            ok = False
        return ok
    finally:
        mem.stop()

trace_dir = '/sys/kernel/tracing'

def test_uffd_wp_collapsed(order):
    '''A uffd-wp PTE in a chunk that is already one folio of the target
    order: the chunk is done, so the collapse succeeds (the status of the
    mm_khugepaged_scan_pmd tracepoint, the only place a forced mTHP
    collapse's result shows), with nothing allocated or counted.'''
    thp = f.pmd_size()
    mem = f.FolioMem(2 * thp >> 10, 'anon')
    try:
        pmd = mem.start + thp
        lo, hi = pmd, mem.end
        edges = [pmd, pmd + thp // 2]
        n = f.pages(lo, hi)
        name = 'uffd-wp PTE in a collapsed chunk, order %d' % order
        if not converge_and_stay(name + ', before the write protection',
                                 mem, order, lo, hi, edges, {order: n},
                                 n * f.page_size, n >> order):
            return False
        chunk = f.page_size << order
        wp = pmd + 2 * chunk + f.page_size
        r = mem.cmd('uffdwp %x %x' % (wp, wp + f.page_size))
        if r != 'uffdwp ok':
            print('%s: SKIP: cannot write-protect with userfaultfd (%s)' %
                  (name, r))
            return None
        enable = os.path.join(trace_dir,
                              'events/huge_memory/mm_khugepaged_scan_pmd/enable')
        if not os.path.exists(enable):
            print('%s: SKIP: no mm_khugepaged_scan_pmd tracepoint' % name)
            return None
        f.write(os.path.join(trace_dir, 'trace'), '')
        f.write(enable, '1')
        allocs0 = f.collapse_allocs(order)
        try:
            kdamonds = start(mem, order, lo, hi, edges)
            try:
                st = wait_rounds(kdamonds, 0, 2)
            finally:
                kdamonds.stop()
        finally:
            f.write(enable, '0')
        statuses = {}
        with open(os.path.join(trace_dir, 'trace')) as fd:
            for line in fd:
                if not line.lstrip().startswith('kdamond') or \
                        'mm_khugepaged_scan_pmd:' not in line:
                    continue
                status = line.split('status=')[1].split(',')[0]
                statuses[status] = statuses.get(status, 0) + 1
        ok = True
        if list(statuses) != ['succeeded']:
            print('%s: scan results %s, expected only succeeded' %
                  (name, statuses))
            ok = False
        if st.sz_applied != 0 or f.collapse_allocs(order) != allocs0:
            print('%s: sz_applied %d, %d folios allocated on collapsed '
                  'memory' % (name, st.sz_applied,
                              f.collapse_allocs(order) - allocs0))
            ok = False
        got = mem.orders(lo, hi)
        if got != {order: n}:
            print('%s: orders changed: %s' % (name, got))
            ok = False
        if not mem.check():
            print('%s: contents changed' % name)
            ok = False
        print('%s: %s (scan results %s over %d tries)' %
              (name, 'ok' if ok else 'FAIL', statuses, st.nr_tried))
        return ok
    finally:
        mem.stop()

def main():
    f.require_thp()
    f.anon_thp_never()
    results = [test_converged(o) for o in [2, 4, f.pmd_order()]]
    results.append(test_partly_zapped(4))
    results.append(test_unaligned_mthp(4))
    results.append(test_pin_outside(4))
    results.append(test_pin_inside(4))
    results.append(test_uffd_wp_collapsed(4))
    if False in results:
        exit(1)
    exit(f.ksft_skip if None in results else 0)

if __name__ == '__main__':
    main()
