# SPDX-License-Identifier: GPL-2.0
'''
The extended DAMOS folio suite's helpers (tests/damon/, not in the series):
everything of the series' _damon_folio.py, the folio_mem_ext helper (the
series' folio_mem.c with folio_mem_ext.diff: the commands zap, fill, move,
fork, reap, uffdwp and flipfile that only these tests use),
collapse_allocs() and start_scheme().  scripts/build-selftests.sh installs these tests beside
the series' DAMON selftests.
'''

import os

import _damon_folio
import _damon_sysfs
from _damon_folio import *  # noqa: F401,F403
from _damon_folio import fixed_regions, order_dir, pmd_order, read

_damon_folio.FolioMem.prog = './folio_mem_ext'


def collapse_allocs(order):
    '''Folios the kernel allocated for collapses to order so far: the
    per-size mTHP counter, or thp_collapse_alloc for the PMD order.'''
    if order == pmd_order():
        with open('/proc/vmstat') as f:
            for line in f:
                name, value = line.split()
                if name == 'thp_collapse_alloc':
                    return int(value)
        raise RuntimeError('no thp_collapse_alloc in /proc/vmstat')
    return int(read(os.path.join(order_dir(order), 'stats', 'collapse_alloc')))


def start_scheme(mem, action, order, apply_us, lo=None, hi=None,
                 edges=None):
    '''Start a kdamond with one vaddr scheme of action and target_order
    order (None: the kernel's default) on mem's process, applied every
    apply_us, its regions fixed (fixed_regions(mem, edges), edges [lo, hi]
    by default), with an address filter over [lo, hi) if lo is given.
    Return the Kdamonds; raise RuntimeError if the kdamond does not
    start.'''
    if edges is None:
        edges = [lo, hi] if lo is not None else ()
    attrs, target = fixed_regions(mem, edges)
    filters = [] if lo is None else [_damon_sysfs.DamosFilter(
        type_='addr', matching=True, allow=True, addr_start=lo, addr_end=hi)]
    kdamonds = _damon_sysfs.Kdamonds([_damon_sysfs.Kdamond(
        contexts=[_damon_sysfs.DamonCtx(
            ops='vaddr', monitoring_attrs=attrs, targets=[target],
            schemes=[_damon_sysfs.Damos(
                action=action, target_order=order,
                apply_interval_us=apply_us,
                access_pattern=_damon_sysfs.DamosAccessPattern(),
                quota=_damon_sysfs.DamosQuota(),
                watermarks=_damon_sysfs.DamosWatermarks(),
                dests=_damon_sysfs.DamosDests(),
                core_filters=filters)])])])
    err = kdamonds.start()
    if err is not None:
        raise RuntimeError('kdamond start failed: %s' % err)
    return kdamonds
