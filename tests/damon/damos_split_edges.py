#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
'''
DAMOS_SPLIT changes only the memory inside the region, and walks the page
tables without skipping what follows a VMA boundary:

- half THPs: an address filter covers the second half of one anonymous THP
  and the first half of the next (in other cases, starting 16 pages into
  the half, or 3: inside a 4-page block).  Inside, every page ends in folios
  of target_order (0 and 4);
  outside, the two THPs keep exactly the folios the non-uniform folio_split()
  leaves (a folio of half the THP, and the smaller buddies next to an unaligned
  edge); the THPs outside the filter are unchanged, contents are unchanged,
  and sz_applied and sz_ops_filter_passed are exactly the bytes inside the
  filter.
- two regions: no filter, two DAMON regions meeting 3 pages into a THP's
  second half; all ends at target_order (0 and 4), and sz_applied is the
  memory's size but for the pages above the edge in the smallest block the
  lower region's edge split halves (they end at target_order too, outside
  that region; the upper region finds them split already).
- VMA boundary: the second half of THP 0 is replaced, by mremap(), with
  another THP, so that the VMA boundary at half a THP is followed by a different
  large folio that crosses the filter's end at one THP.  Both are split inside
  the filter, the part of the second one outside stays in a half-THP folio,
  and the THP after the filter is unchanged; all in one apply round.
- moved half: THP 1's second half moved by mremap() beyond the filter,
  which covers all of THP 1's original addresses: the moved half stays in
  one half-THP folio, the half inside is split.
- half moved into the filter: THP 1's second half moved 64 KiB after the
  start of a filter over THP 3: split where the walk saw it (its first
  page), so that the first half, outside, stays one half-THP folio.
- default: a split scheme whose target_order was never written shows 0 in
  its target_order file, starts, and splits to base pages; collapse shows
  the PMD order; a written order stays when the action changes.
'''

import os

import _damon_ext as f
import _damon_sysfs

def split_pieces(order, at, new_order, anon):
    '''[(first page, order)] folio_split() makes of an order-order folio
    split at page at to new_order: halves down to the block of at, skipping
    order 1 for anonymous folios.'''
    pieces = []
    start, cur = 0, order
    while cur > new_order:
        nxt = cur - 1
        if anon and nxt == 1:
            nxt = 0
        nxt = max(nxt, new_order)
        for p in range(start, start + (1 << cur), 1 << nxt):
            if p <= at < p + (1 << nxt) and nxt > new_order:
                keep = p
            else:
                pieces.append((p, nxt))
        if nxt == new_order:
            break
        start, cur = keep, nxt
    return pieces

def expected_orders(pieces, base, lo, hi):
    '''{order: pages} of the pieces (page offsets from base) in [lo, hi).'''
    result = {}
    for p, o in pieces:
        s = base + p * f.page_size
        e = s + (f.page_size << o)
        if s >= lo and e <= hi:
            result[o] = result.get(o, 0) + (1 << o)
    return result

def ops_filter_passed(scheme):
    with open(os.path.join(scheme.sysfs_dir(), 'stats',
                           'sz_ops_filter_passed')) as fd:
        return int(fd.read())

def start_split(mem, lo, hi, order=None, interval=500000):
    return f.start_scheme(mem, 'split', order, interval, lo, hi)

def settle(kdamonds, rounds=3):
    '''Let the scheme apply a few more times; return its stats.'''
    kdamond = kdamonds.kdamonds[0]
    scheme = kdamond.contexts[0].schemes[0]
    f.wait_applied(kdamond)
    stats = f.wait_tried(kdamond, scheme.stats.nr_tried + rounds)
    return stats, ops_filter_passed(scheme)

def test_half(pmd, order, skew):
    '''A filter over the second half of THP 1 and the first half of THP 2
    (its start moved skew bytes into THP 1's second half).'''
    name = 'half THPs, +%d KiB -> %d' % (skew >> 10, order)
    thp = f.page_size << pmd
    f.set_thp('enabled', 'always')
    mem = f.FolioMem(4 * thp >> 10, 'anon')
    f.set_thp('enabled', 'never')
    ok = True
    try:
        base = mem.start
        lo, hi = base + thp + thp // 2 + skew, base + 2 * thp + thp // 2
        before = mem.orders(base, mem.end)
        if before != {pmd: f.pages(base, mem.end)}:
            print('%s: not four THPs before: %s' % (name, before))
            return False
        kdamonds = start_split(mem, lo, hi, order)
        inside = f.wait_orders(mem, lo, hi, {order: f.pages(lo, hi)})
        stats, passed = settle(kdamonds)
        kdamonds.stop()
        nr = 1 << pmd
        left = split_pieces(pmd, (lo - base - thp) // f.page_size, order,
                            True)
        right = split_pieces(pmd, (hi - base - 2 * thp) // f.page_size - 1,
                             order, True)
        want_left = expected_orders(left, base + thp, base + thp, lo)
        want_right = expected_orders(right, base + 2 * thp, hi, base + 3 * thp)
        got_left = mem.orders(base + thp, lo)
        got_right = mem.orders(hi, base + 3 * thp)
        if inside != {order: f.pages(lo, hi)}:
            print('%s: inside not at order %d: %s' % (name, order, inside))
            ok = False
        if got_left != want_left or got_right != want_right:
            print('%s: outside parts %s, %s; folio_split() leaves %s, %s' %
                  (name, got_left, got_right, want_left, want_right))
            ok = False
        for s, e in [(base, base + thp), (base + 3 * thp, mem.end)]:
            if mem.orders(s, e) != {pmd: nr}:
                print('%s: THP outside the filter changed: %s' %
                      (name, mem.orders(s, e)))
                ok = False
        if stats.sz_applied != hi - lo or passed != hi - lo:
            print('%s: sz_applied %d, sz_ops_filter_passed %d, inside %d' %
                  (name, stats.sz_applied, passed, hi - lo))
            ok = False
        if not mem.check():
            print('%s: contents changed' % name)
            ok = False
        print('%s: %s (outside %s, %s; sz_applied %d)' %
              (name, 'ok' if ok else 'FAIL', got_left, got_right,
               stats.sz_applied))
        return ok
    finally:
        mem.stop()

def test_two_regions(pmd, order, skew):
    '''No filter; two DAMON regions meet skew bytes into THP 1's second
    half.  Everything ends at order; the pages above the edge in the smallest
    block that the lower region's split halves (applied first: regions go in
    address order) end at order too, but neither region counts them.
    Five THPs: DAMON merges two idle neighbours whose sizes add up to at
    most a third of the total, which the two halves of one THP would do
    out of four.'''
    name = 'two regions, +%d KiB -> %d' % (skew >> 10, order)
    thp = f.page_size << pmd
    f.set_thp('enabled', 'always')
    mem = f.FolioMem(5 * thp >> 10, 'anon')
    f.set_thp('enabled', 'never')
    ok = True
    try:
        base = mem.start
        edge = base + thp + thp // 2 + skew
        if mem.orders(base, mem.end) != {pmd: f.pages(base, mem.end)}:
            print('%s: not five THPs before' % name)
            return False
        try:
            kdamonds = f.start_scheme(mem, 'split', order, 500000,
                                      edges=[edge])
        except RuntimeError as e:
            print('%s: %s' % (name, e))
            return False
        got = f.wait_orders(mem, base, mem.end,
                            {order: f.pages(base, mem.end)})
        stats, _ = settle(kdamonds)
        kdamonds.stop()
        x = (edge - base - thp) // f.page_size
        uncounted = 0
        for p, o in split_pieces(pmd, x - 1, order, True):
            if o == order and p + (1 << o) > x:
                uncounted += p + (1 << o) - max(p, x)
        want = mem.end - base - uncounted * f.page_size
        if got != {order: f.pages(base, mem.end)}:
            print('%s: not all at order %d: %s' % (name, order, got))
            ok = False
        if stats.sz_applied != want:
            print('%s: sz_applied %d, expected %d (all but the %d pages '
                  'above the edge that the lower region split)' %
                  (name, stats.sz_applied, want, uncounted))
            ok = False
        if not mem.check():
            print('%s: contents changed' % name)
            ok = False
        print('%s: %s (sz_applied %d, %d pages uncounted)' %
              (name, 'ok' if ok else 'FAIL', stats.sz_applied, uncounted))
        return ok
    finally:
        mem.stop()

def test_vma_boundary(pmd):
    '''THP 0's second half replaced by THP 2 (mremap): a VMA boundary at
    +thp/2 followed by a different large folio that crosses the filter end at
    +thp.'''
    name = 'VMA boundary'
    thp = f.page_size << pmd
    f.set_thp('enabled', 'always')
    mem = f.FolioMem(4 * thp >> 10, 'anon')
    f.set_thp('enabled', 'never')
    ok = True
    try:
        base = mem.start
        if mem.orders(base, mem.end) != {pmd: f.pages(base, mem.end)}:
            print('%s: not four THPs before' % name)
            return False
        # THP 2 to [thp/2, thp/2 + thp): unmaps THP 0's second half and
        # THP 1's first half.
        got = mem.cmd('move %x %x %x' % (base + 2 * thp, base + 3 * thp,
                                         base + thp // 2))
        if got != 'move ok':
            print('%s: mremap failed: %s' % (name, got))
            return False
        moved = mem.orders(base + thp // 2, base + thp // 2 + thp)
        if moved != {pmd: f.pages(0, thp)}:
            print('%s: moved THP is not one folio: %s' % (name, moved))
            return False
        lo, hi = base, base + thp
        # One apply round (every 3 s) must split all of it: the walk may
        # not skip what follows THP 0's VMA.
        kdamonds = start_split(mem, lo, hi, 0, 3000000)
        f.wait_applied(kdamonds.kdamonds[0])
        inside = mem.orders(lo, hi)
        stats, passed = settle(kdamonds, 1)
        kdamonds.stop()
        after = mem.orders(hi, hi + thp // 2)
        rest = mem.orders(base + 3 * thp, mem.end)
        if inside != {0: f.pages(lo, hi)}:
            print('%s: inside not split by the first round: %s' %
                  (name, inside))
            ok = False
        if after != {pmd - 1: f.pages(hi, hi + thp // 2)}:
            print('%s: the moved THP outside the filter: %s, expected an '
                  'order-%d half' % (name, after, pmd - 1))
            ok = False
        if rest != {pmd: f.pages(base + 3 * thp, mem.end)}:
            print('%s: THP after the filter changed: %s' % (name, rest))
            ok = False
        # THP 0's first half, THP 2's first half
        if stats.sz_applied != thp:
            print('%s: sz_applied %d, expected %d' %
                  (name, stats.sz_applied, thp))
            ok = False
        print('%s: %s (sz_applied %d, sz_ops_filter_passed %d)' %
              (name, 'ok' if ok else 'FAIL', stats.sz_applied, passed))
        return ok
    finally:
        mem.stop()

def test_moved_half(pmd):
    '''THP 1's second half moved (mremap) over THP 3's second half: the
    filter covers all THP 1's addresses, but its moved half is mapped
    outside and must stay in a half-THP folio.'''
    name = 'moved half'
    thp = f.page_size << pmd
    f.set_thp('enabled', 'always')
    mem = f.FolioMem(4 * thp >> 10, 'anon')
    f.set_thp('enabled', 'never')
    ok = True
    try:
        base = mem.start
        if mem.orders(base, mem.end) != {pmd: f.pages(base, mem.end)}:
            print('%s: not four THPs before' % name)
            return False
        moved = base + 3 * thp + thp // 2
        got = mem.cmd('move %x %x %x' % (base + thp + thp // 2, base + 2 * thp,
                                         moved))
        if got != 'move ok':
            print('%s: mremap failed: %s' % (name, got))
            return False
        lo, hi = base + thp, base + 2 * thp
        kdamonds = start_split(mem, lo, hi, 0)
        inside = f.wait_orders(mem, lo, lo + thp // 2,
                               {0: f.pages(lo, lo + thp // 2)})
        stats, passed = settle(kdamonds)
        kdamonds.stop()
        outside = mem.orders(moved, moved + thp // 2)
        if inside != {0: f.pages(lo, lo + thp // 2)}:
            print('%s: inside not split: %s' % (name, inside))
            ok = False
        if outside != {pmd - 1: f.pages(moved, moved + thp // 2)}:
            print('%s: the moved half, outside the filter: %s, expected one '
                  'half-THP folio' % (name, outside))
            ok = False
        if stats.sz_applied != thp // 2:
            print('%s: sz_applied %d, expected %d' %
                  (name, stats.sz_applied, thp // 2))
            ok = False
        print('%s: %s (sz_applied %d, sz_ops_filter_passed %d)' %
              (name, 'ok' if ok else 'FAIL', stats.sz_applied, passed))
        return ok
    finally:
        mem.stop()

def test_moved_into_filter(pmd):
    '''THP 1's second half moved (mremap) 64 KiB after the start of a
    filter over THP 3: the split point of the folio must come from the page
    seen at the filter's edge, the moved half's first, not from where the
    folio would start if it were mapped in one piece (which is inside THP
    1's first half, outside the filter).  The first half stays one
    half-THP folio.'''
    name = 'half moved into the filter'
    thp = f.page_size << pmd
    f.set_thp('enabled', 'always')
    mem = f.FolioMem(4 * thp >> 10, 'anon')
    f.set_thp('enabled', 'never')
    ok = True
    try:
        base = mem.start
        if mem.orders(base, mem.end) != {pmd: f.pages(base, mem.end)}:
            print('%s: not four THPs before' % name)
            return False
        lo, hi = base + 3 * thp, base + 4 * thp
        moved = lo + (64 << 10)
        half = base + thp
        got = mem.cmd('move %x %x %x' % (half + thp // 2, half + thp, moved))
        if got != 'move ok':
            print('%s: mremap failed: %s' % (name, got))
            return False
        kdamonds = start_split(mem, lo, hi, 0)
        inside = f.wait_orders(mem, moved, moved + thp // 2,
                               {0: f.pages(moved, moved + thp // 2)})
        stats, passed = settle(kdamonds)
        kdamonds.stop()
        outside = mem.orders(half, half + thp // 2)
        if inside != {0: f.pages(moved, moved + thp // 2)}:
            print('%s: the moved half not split: %s' % (name, inside))
            ok = False
        if outside != {pmd - 1: f.pages(half, half + thp // 2)}:
            print('%s: the first half, outside the filter: %s, expected one '
                  'half-THP folio' % (name, outside))
            ok = False
        if stats.sz_applied > hi - lo:
            print('%s: sz_applied %d, more than the filter\'s %d bytes' %
                  (name, stats.sz_applied, hi - lo))
            ok = False
        print('%s: %s (sz_applied %d, sz_ops_filter_passed %d)' %
              (name, 'ok' if ok else 'FAIL', stats.sz_applied, passed))
        return ok
    finally:
        mem.stop()

def test_default(pmd):
    '''What a user who writes only the action gets.'''
    name = 'default target_order'
    ok = True
    thp = f.page_size << pmd
    f.set_thp('enabled', 'always')
    mem = f.FolioMem(4 * thp >> 10, 'anon')
    f.set_thp('enabled', 'never')
    try:
        lo, hi = mem.start + thp, mem.start + 3 * thp
        kdamonds = start_split(mem, lo, hi)
        scheme = kdamonds.kdamonds[0].contexts[0].schemes[0]
        path = os.path.join(scheme.sysfs_dir(), 'target_order')
        shown, _ = _damon_sysfs.read_file(path)
        inside = f.wait_orders(mem, lo, hi, {0: f.pages(lo, hi)})
        if shown.strip() != '0':
            print('%s: split shows target_order %s' % (name, shown.strip()))
            ok = False
        if inside != {0: f.pages(lo, hi)}:
            print('%s: not split to base pages: %s' % (name, inside))
            ok = False
        kdamonds.stop()
        # the shown default follows the action until an order is written
        action = os.path.join(scheme.sysfs_dir(), 'action')
        for act, want in [('collapse', pmd), ('split', 0), ('stat', pmd)]:
            _damon_sysfs.write_file(action, act)
            shown, _ = _damon_sysfs.read_file(path)
            if shown.strip() != str(want):
                print('%s: %s shows %s, expected %d' %
                      (name, act, shown.strip(), want))
                ok = False
        _damon_sysfs.write_file(path, '4')
        for act in ['collapse', 'split']:
            _damon_sysfs.write_file(action, act)
            shown, _ = _damon_sysfs.read_file(path)
            if shown.strip() != '4':
                print('%s: written 4, %s shows %s' %
                      (name, act, shown.strip()))
                ok = False
        if not mem.check():
            print('%s: contents changed' % name)
            ok = False
        print('%s: %s' % (name, 'ok' if ok else 'FAIL'))
        return ok
    finally:
        mem.stop()

def main():
    f.require_thp()
    pmd = f.pmd_order()
    f.anon_thp_never()
    f.set_thp(os.path.join(os.path.basename(f.order_dir(pmd)), 'enabled'),
              'inherit')
    results = []
    for order, skew in [(0, 0), (4, 0), (0, 16 * f.page_size),
                        (0, 3 * f.page_size)]:
        results.append(test_half(pmd, order, skew))
    for order in [0, 4]:
        results.append(test_two_regions(pmd, order, 3 * f.page_size))
    results.append(test_vma_boundary(pmd))
    results.append(test_moved_half(pmd))
    results.append(test_moved_into_filter(pmd))
    results.append(test_default(pmd))
    f.exit_results(results)

if __name__ == '__main__':
    main()
