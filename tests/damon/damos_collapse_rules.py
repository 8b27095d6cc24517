#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
'''
The rules DAMOS_COLLAPSE follows at an mTHP target_order, one case each.
Like madvise(MADV_COLLAPSE), the action is a forced collapse:

- the per-size hugepages-<size>kB/enabled settings are ignored (all are
  "never" here, as in damos_collapse.py);
- khugepaged's max_ptes_none is ignored: with max_ptes_none 0, a chunk with
  a none PTE is collapsed (the missing page reads as zero), but a chunk needs
  at least one present page;
- a chunk with a swapped-out page is left as it is, and costs nothing (no
  folio is allocated for it: khugepaged's mTHP collapse does not swap in);
  once its pages are faulted back in, it is collapsed;
- pages shared copy-on-write with a forked child are copied: the parent gets
  the new folio, the child keeps its pages and contents;
- an mTHP order is for anonymous memory only, also when the range is
  mapped from a file while the collapse has the mmap lock dropped (it
  does, to allocate each folio): the file is not collapsed.

sz_applied is checked against what pagemap shows in each case.
'''


import _damon_ext as f

chunk_order = 4

def collapse(mem, lo, hi, expect, timeout=120, between=None):
    '''Run a collapse scheme over [lo, hi) until its orders are expect;
    return (orders, sz_applied).  With between, first run it for 10 rounds
    and return (orders, sz_applied, folios allocated for collapse) then,
    call between() and go on.'''
    kdamonds = f.start_scheme(mem, 'collapse', chunk_order, 200000, lo, hi)
    try:
        first = None
        if between is not None:
            allocs = f.collapse_allocs(chunk_order)
            st = f.wait_tried(kdamonds.kdamonds[0], 0)
            st = f.wait_tried(kdamonds.kdamonds[0], st.nr_tried + 10)
            first = (mem.orders(lo, hi), st.sz_applied,
                     f.collapse_allocs(chunk_order) - allocs)
            between()
        got = f.wait_orders(mem, lo, hi, expect, timeout)
        # a few more rounds: nothing more may happen or be counted
        st = f.wait_tried(kdamonds.kdamonds[0], 0)
        st = f.wait_tried(kdamonds.kdamonds[0], st.nr_tried + 5)
    finally:
        kdamonds.stop()
    if between is not None:
        return first, (got, st.sz_applied)
    return got, st.sz_applied

def report(name, ok, got, applied):
    print('%s: %s (orders %s, sz_applied %d)' %
          (name, 'ok' if ok else 'FAIL', got, applied))
    return ok

def test_max_ptes_none_ignored():
    name = 'max_ptes_none 0 ignored'
    f.set_thp('khugepaged/max_ptes_none', '0')
    thp = f.pmd_size()
    mem = f.FolioMem(2 * thp >> 10, 'anon')
    try:
        size = f.page_size << chunk_order
        lo, hi = mem.start + thp, mem.start + thp + thp // 2
        # one page zapped in every chunk; one chunk zapped whole
        empty = hi - size
        for c in range(lo, empty, size):
            if mem.cmd('zap %x %x' % (c, c + f.page_size)) != 'zap ok':
                return report(name + ': zap', False, {}, 0)
        mem.cmd('zap %x %x' % (empty, hi))
        n = f.pages(lo, empty)
        got, applied = collapse(mem, lo, hi, {chunk_order: n,
                                              'none': 1 << chunk_order})
        ok = got == {chunk_order: n, 'none': 1 << chunk_order} and \
            applied == n * f.page_size
        for c in range(lo, empty, size):
            ok = ok and mem.check(c + f.page_size, c + size)
        return report(name, ok, got, applied)
    finally:
        mem.stop()

def swap_available():
    with open('/proc/swaps') as s:
        return len(s.read().splitlines()) > 1

def test_swapped_out_left():
    name = 'chunks with swapped-out pages left'
    if not swap_available():
        print('%s: SKIP (no swap)' % name)
        return None
    thp = f.pmd_size()
    mem = f.FolioMem(2 * thp >> 10, 'anon')
    try:
        size = f.page_size << chunk_order
        lo, hi = mem.start + thp, mem.start + thp + thp // 2
        # the first half of every other chunk paged out
        for c in range(lo, hi, 2 * size):
            mem.cmd('pageout %x %x' % (c, c + size // 2))
        before = mem.orders(lo, hi)
        n = f.pages(lo, hi)
        if before != {0: n * 3 // 4, 'none': n // 4}:
            print('%s: SKIP (pageout left %s)' % (name, before))
            return None
        first, (got, applied) = collapse(
                mem, lo, hi, {chunk_order: n},
                between=lambda: mem.check(lo, hi))
        # half of the chunks were collapsed, the others left, for nothing
        left = {chunk_order: n // 2, 0: n // 4, 'none': n // 4}
        # one folio per collapsed chunk (one more for a chunk whose
        # collapse failed transiently), none for the chunks left
        nr = (n // 2) >> chunk_order
        ok = first[0] == left and first[1] == n // 2 * f.page_size and \
            nr <= first[2] < 2 * nr
        print('%s: first 10 rounds: orders %s, sz_applied %d, %d folios '
              'allocated; expected %s, %d, %d' %
              (name, first[0], first[1], first[2], left,
               n // 2 * f.page_size, (n // 2) >> chunk_order))
        # faulted back in by the check: collapsed
        ok = ok and got == {chunk_order: n} and \
            applied == n * f.page_size and mem.check()
        return report(name, ok, got, applied)
    finally:
        mem.stop()

def test_cow_shared_copied():
    name = 'COW-shared pages copied'
    thp = f.pmd_size()
    mem = f.FolioMem(2 * thp >> 10, 'anon')
    try:
        lo, hi = mem.start + thp, mem.start + thp + thp // 2
        words = mem.cmd('fork').split()
        if len(words) != 2 or words[0] != 'fork':
            return report(name + ': fork', False, {}, 0)
        child = int(words[1])
        n = f.pages(lo, hi)
        got, applied = collapse(mem, lo, hi, {chunk_order: n})
        rss = f.smaps_kb(child, 'Rss')
        ok = got == {chunk_order: n} and applied == n * f.page_size and \
            mem.check() and rss >= mem.len >> 10
        if rss < mem.len >> 10:
            print('%s: the child maps %d KiB, not %d' %
                  (name, rss, mem.len >> 10))
        if mem.cmd('reap') != 'reap ok':
            print('%s: the child\'s contents changed' % name)
            ok = False
        return report(name, ok, got, applied)
    finally:
        mem.stop()

def test_file_mapped_meanwhile():
    '''The collapse of the first of two PMDs drops the mmap lock for every
    chunk; meanwhile folio_mem maps the second PMD from an ext4 file (whose
    mapping supports PMD-sized folios) and back, again and again.  When the
    collapse takes the lock again and finds the file there, it must stop:
    a forced collapse of the file would make a PMD-sized folio of it,
    ignoring the order and the range.'''
    name = 'file mapped over the range during a collapse'
    thp = f.pmd_size()
    with f.ext4_mount(max(16 << 20, 4 * thp)) as (mnt, why):
        if mnt is None:
            return f.skip_case(name, why)
        # six PMDs, so that DAMON's one region of the two stays whole
        mem = f.FolioMem(6 * thp >> 10, 'anon')
        try:
            lo, hi = mem.start + thp, mem.start + 3 * thp
            kdamonds = f.start_scheme(mem, 'collapse', chunk_order, 20000,
                                      lo, hi)
            pmd0 = f.collapse_allocs(f.pmd_order())
            mthp0 = f.collapse_allocs(chunk_order)
            try:
                got = mem.cmd('flipfile %x %s 20' % (lo, mnt)).split()
            finally:
                kdamonds.stop()
            pmd = f.collapse_allocs(f.pmd_order()) - pmd0
            mthp = f.collapse_allocs(chunk_order) - mthp0
            if len(got) != 3 or got[1] == 'err':
                print('%s: folio_mem: %s' % (name, ' '.join(got)))
                return False
            times, file_pmd = int(got[1]), int(got[2])
            print('%s: the file mapped %d times; %d folios of order %d and '
                  '%d of the PMD order allocated for collapses; %d pages of '
                  'the file in PMD-sized folios' %
                  (name, times, mthp, chunk_order, pmd, file_pmd))
            # the race was run: many collapses, each with the lock dropped
            ok = times >= 100 and mthp >= 100
            ok = ok and pmd == 0 and file_pmd == 0 and mem.check()
            print('%s: %s' % (name, 'ok' if ok else 'FAIL'))
            return ok
        finally:
            mem.stop()

def main():
    f.require_thp()
    f.anon_thp_never()
    results = [test_max_ptes_none_ignored(), test_swapped_out_left(),
               test_cow_shared_copied(), test_file_mapped_meanwhile()]
    if False in results:
        exit(1)
    exit(f.ksft_skip if None in results else 0)

if __name__ == '__main__':
    main()
