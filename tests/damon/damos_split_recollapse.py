#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
'''
DAMOS_SPLIT and khugepaged: with khugepaged scanning every 100 ms and
THP=always, split four anonymous THPs to order 0 and count, over a window,
how many of them khugepaged collapses again (each re-collapse is split again
by the still-running scheme: the ping-pong).  Measured twice:

  default:     a split scheme alone; khugepaged is expected to re-collapse
               (this is the control: if it does not, khugepaged did not run
               and the second number would mean nothing);
  nohugepage:  a DAMOS_NOHUGEPAGE scheme over the same address filter, after
               the split scheme; this is the documented setup and must
               re-collapse nothing once the nohugepage scheme has reached
               the memory (counted from two apply rounds after the first
               full split: in the first, khugepaged may collapse a THP
               between the split and the madvise()).

A re-collapse is counted from the split scheme's sz_applied growth after the
first full split (one PMD size per THP split again) plus the PMD ranges that
are huge at the end of the window.
'''

import os
import time

import _damon_ext as f
import _damon_sysfs

window = int(os.environ.get('DAMON_PINGPONG_SECONDS', '20'))

def addr_filter(lo, hi):
    return [_damon_sysfs.DamosFilter(type_='addr', matching=True, allow=True,
                                     addr_start=lo, addr_end=hi)]

def scheme(action, lo, hi, **kwargs):
    return _damon_sysfs.Damos(
            action=action, apply_interval_us=500000,
            access_pattern=_damon_sysfs.DamosAccessPattern(),
            quota=_damon_sysfs.DamosQuota(),
            watermarks=_damon_sysfs.DamosWatermarks(),
            dests=_damon_sysfs.DamosDests(),
            core_filters=addr_filter(lo, hi), **kwargs)

def huge_ranges(mem, thp, pmd):
    return sum(1 for a in range(mem.start, mem.end, thp)
               if mem.orders(a, a + thp) == {pmd: f.pages(a, a + thp)})

def measure(pmd, nohugepage):
    thp = 1 << (pmd + f.page_size.bit_length() - 1)
    f.set_thp('enabled', 'always')
    mem = f.FolioMem(4 * thp >> 10, 'anon')
    try:
        nr = mem.len // thp
        if huge_ranges(mem, thp, pmd) != nr:
            raise RuntimeError('area not in THPs: %s' %
                               mem.orders(mem.start, mem.end))
        schemes = [scheme('split', mem.start, mem.end, target_order=0)]
        if nohugepage:
            schemes.append(scheme('nohugepage', mem.start, mem.end))
        # Regions with edges at PMD boundaries only (see fixed_regions()):
        # this test counts re-collapses, not edge splits.
        attrs, target = f.fixed_regions(mem)
        kdamonds = _damon_sysfs.Kdamonds([_damon_sysfs.Kdamond(
            contexts=[_damon_sysfs.DamonCtx(
                ops='vaddr', monitoring_attrs=attrs, targets=[target],
                schemes=schemes)])])
        err = kdamonds.start()
        if err is not None:
            raise RuntimeError('kdamond start failed: %s' % err)
        kdamond = kdamonds.kdamonds[0]
        split = kdamond.contexts[0].schemes[0]
        # Wait until every THP was split once.  Not until the area is all
        # split at one time: without nohugepage khugepaged may collapse a
        # range again before the last one is split.
        deadline = time.time() + 60
        while time.time() < deadline:
            kdamond.update_schemes_stats()
            if split.stats.sz_applied >= mem.len:
                break
            time.sleep(0.2)
        applied = split.stats.sz_applied
        if applied < mem.len:
            kdamonds.stop()
            raise RuntimeError('only %d bytes split in 60 s' % applied)
        if nohugepage:
            # In the round that first splits a THP, khugepaged may collapse
            # it again before the nohugepage scheme, which follows the
            # split scheme, reaches it (design.rst says why it follows);
            # the next round splits it again and from then on the VMA is
            # VM_NOHUGEPAGE.  Count from after that: at least two more
            # rounds.
            rounds = split.stats.nr_tried
            deadline = time.time() + 60
            while time.time() < deadline:
                time.sleep(0.5)
                kdamond.update_schemes_stats()
                if split.stats.nr_tried >= 3 * rounds:
                    break
            applied = split.stats.sz_applied
        collapsed = int(f.read(os.path.join(f.thp_dir, 'khugepaged',
                                            'pages_collapsed')))
        time.sleep(window)
        kdamond.update_schemes_stats()
        resplit = (split.stats.sz_applied - applied) // thp
        huge = huge_ranges(mem, thp, pmd)
        end_orders = mem.orders(mem.start, mem.end)
        all_small = end_orders == {0: f.pages(mem.start, mem.end)}
        collapsed = int(f.read(os.path.join(f.thp_dir, 'khugepaged',
                                            'pages_collapsed'))) - collapsed
        kdamonds.stop()
        if not mem.check():
            raise RuntimeError('contents changed')
        print('%-10s: %d re-collapses of the %d split THPs in %d s '
              '(%d split again by DAMOS, %d huge at the end; khugepaged '
              'pages_collapsed +%d)' %
              ('nohugepage' if nohugepage else 'default', resplit + huge, nr,
               window, resplit, huge, collapsed))
        return resplit + huge, all_small, end_orders
    finally:
        mem.stop()

def main():
    f.require_thp()
    pmd = f.pmd_order()
    f.anon_thp_never()
    f.set_thp(os.path.join(os.path.basename(f.order_dir(pmd)), 'enabled'),
              'inherit')
    f.set_thp('khugepaged/defrag', '1')
    f.set_thp('khugepaged/scan_sleep_millisecs', '100')
    f.set_thp('khugepaged/alloc_sleep_millisecs', '100')
    ok = True
    default, _, _ = measure(pmd, False)
    if default == 0:
        print('khugepaged re-collapsed nothing without the nohugepage scheme: '
              'it did not scan, and the comparison below shows nothing')
        ok = False
    recollapsed, all_small, end_orders = measure(pmd, True)
    if recollapsed != 0:
        print('the nohugepage setup did not stop khugepaged')
        ok = False
    if not all_small:
        print('nohugepage: the area is not all order 0 at the end: %s' %
              end_orders)
        ok = False
    print('ok' if ok else 'FAIL')
    exit(0 if ok else 1)

if __name__ == '__main__':
    main()
