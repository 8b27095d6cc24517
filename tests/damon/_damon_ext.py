# SPDX-License-Identifier: GPL-2.0
'''
The extended DAMOS folio suite's helpers (tests/damon/, not in the series):
everything of the series' _damon_folio.py, the folio_mem_ext helper (the
series' folio_mem.c with folio_mem_ext.diff: the commands zap, fill, move,
fork, reap, uffdwp and flipfile that only these tests use), and
collapse_allocs().  scripts/build-selftests.sh installs these tests beside
the series' DAMON selftests.
'''

import os

import _damon_folio
from _damon_folio import *  # noqa: F401,F403
from _damon_folio import order_dir, pmd_order, read

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
