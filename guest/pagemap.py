# SPDX-License-Identifier: GPL-2.0
"""Physical address ranges of a process' memory, from /proc/PID/pagemap:
what a paddr DAMON context is given as its regions (the bench's paddr row,
damo_check.py's paddr split).  make test and make bench copy this file
beside bench.py and damo_check.py."""
import os

PAGE = os.sysconf('SC_PAGE_SIZE')


def phys_ranges(pid, start, end, cut=0):
    """[[start, end], ...] of the physical pages behind [start, end) of
    pid's address space, contiguous pages merged (and, with cut, never
    across a multiple of cut), sorted by address; None if a page is not
    present."""
    out = []
    with open('/proc/%d/pagemap' % pid, 'rb') as f:
        f.seek(start // PAGE * 8)
        data = f.read((end - start) // PAGE * 8)
    for i in range(0, len(data), 8):
        e = int.from_bytes(data[i:i + 8], 'little')
        pa = (e & ((1 << 55) - 1)) * PAGE
        if not e >> 63 or not pa:
            return None
        if out and out[-1][1] == pa and not (cut and pa % cut == 0):
            out[-1][1] += PAGE
        else:
            out.append([pa, pa + PAGE])
    return sorted(out)
