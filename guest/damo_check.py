#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""damo (with damo-patches/) driving DAMOS_SPLIT and target_order on the
patched kernel, each step checked against the kernel's state, not only
damo's exit code: the scheme files damo wrote (action, target_order, the
address filter), the kdamond (online tune keeps its pid), and the folio
orders of the target (folio_mem: pagemap + kpageflags).

  features  damo detects the split action and the target_order file
  split     damo start: split (address filter, target_order 4) of two of
            four anonymous THPs: exactly those end at order 4
  tune      damo tune: target_order 0, committed online: same kdamond,
            the file shows 0, the two THPs end at order 0
  report    damo report damon reads the running split scheme back
  collapse  damo start: collapse (--damos_target_order 4) of base pages
            under an address filter: exactly the filtered pages end at
            order 4, sz_applied is their size, contents unchanged
  paddr     damo start --ops paddr: split (target_order 4) of the physical
            ranges of two of four anonymous THPs: exactly those end at
            order 4, contents unchanged
  refused   damo start with a collapse target_order of 1: damo exits non-0
            with a message naming target_order (no traceback), and no
            kdamond runs

Runs from a writable copy of the DAMON selftests (folio_mem,
_damon_folio.py, _damon_sysfs.py): damo_check.py --damo PATH --ksft DIR
[--tap FILE].
"""
import argparse
import os
import subprocess
import sys
import time

ADMIN = '/sys/kernel/mm/damon/admin/kdamonds'
SCHEME0 = ADMIN + '/0/contexts/0/schemes/0'
results = []


def result(ok, name, note=''):
    results.append((ok, name, note))
    print('%s %d damo: %s%s' % ('ok' if ok else 'not ok', len(results), name,
                                 ' # ' + note if note else ''))
    sys.stdout.flush()
    return ok


def damo(args, cmd):
    """Run damo, print its command line as a user would type it."""
    print('$ damo ' + ' '.join(cmd))
    r = subprocess.run([args.damo] + cmd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    for line in r.stdout.splitlines()[:30]:
        print('  ' + line)
    return r


def read(path):
    with open(path) as fd:
        return fd.read().strip()


def state():
    try:
        return read(ADMIN + '/0/state')
    except OSError:
        return 'none'


def wait_orders(f, mem, start, end, want, timeout=90):
    deadline = time.time() + timeout
    got = mem.orders(start, end)
    while got != want and time.time() < deadline:
        time.sleep(0.5)
        got = mem.orders(start, end)
    return got


def regions(f, mem, edges):
    """damo --regions for fixed_regions() of the selftests: edges only at
    mem's ends, the filter's and PMD boundaries (see its comment)."""
    attrs, target = f.fixed_regions(mem, edges)
    return (['--regions', ' '.join('%d-%d' % r for r in target.regions),
             '--monitoring_nr_regions_range', '3',
             str(attrs.max_nr_regions),
             '--monitoring_intervals', '5000', '100000',
             str(attrs.update_us)])


def filter_files():
    """(type, addr_start, addr_end, allow) of scheme 0's address filters."""
    out = []
    for d in ['core_filters', 'filters']:
        base = os.path.join(SCHEME0, d)
        if not os.path.isdir(base):
            continue
        for i in range(int(read(base + '/nr_filters'))):
            fd = '%s/%d' % (base, i)
            if read(fd + '/type') == 'addr':
                out.append((int(read(fd + '/addr_start')),
                            int(read(fd + '/addr_end')),
                            read(fd + '/allow')))
    return out


def check_features(args):
    r = damo(args, ['report', 'sysinfo', '--print', 'sysfs_features',
                    '--invalidate_cache'])
    ok = r.returncode == 0 and 'Traceback' not in r.stdout
    for feat in ['damos_target_order', 'damos_action_split']:
        ok &= feat in r.stdout
    return result(ok, 'damo report sysinfo shows damos_target_order and '
                  'damos_action_split')


def four_thps(f, pmd):
    """Four anonymous PMD THPs (folio_mem), the two in the middle as
    (lo, hi), and whether all four are THPs."""
    thp = f.page_size << pmd
    f.set_thp('enabled', 'always')
    mem = f.FolioMem(4 * thp >> 10, 'anon')
    f.set_thp('enabled', 'never')
    whole = mem.orders(mem.start, mem.end) == {pmd: f.pages(mem.start,
                                                            mem.end)}
    return mem, mem.start + thp, mem.start + 3 * thp, whole


def start_scheme(args, f, mem, lo, hi, action):
    """damo start: one vaddr scheme of action on mem, regions fixed at lo
    and hi, an address filter over [lo, hi), target_order 4.  Returns the
    command line's common part (for damo tune) and whether the kdamond is
    on with that action and order in sysfs."""
    common = ['--ops', 'vaddr', '--target_pid', str(mem.pid)] + \
        regions(f, mem, [lo, hi]) + \
        ['--damos_action', action, '--damos_apply_interval', '500000',
         '--damos_filter', 'allow', 'addr', str(lo), str(hi)]
    r = damo(args, ['start'] + common + ['--damos_target_order', '4'])
    ok = r.returncode == 0 and state() == 'on'
    ok &= read(SCHEME0 + '/action') == action
    ok &= read(SCHEME0 + '/target_order') == '4'
    return common, ok


def check_split(args, f, pmd):
    mem, lo, hi, whole = four_thps(f, pmd)
    try:
        if not whole:
            return result(False, 'split: four THPs to start from')
        common, ok = start_scheme(args, f, mem, lo, hi, 'split')
        ok &= (lo, hi, 'Y') in filter_files()
        result(ok, 'damo start: split scheme, target_order 4, address '
               'filter in sysfs (action %s, target_order %s, filters %s)' %
               (read(SCHEME0 + '/action'), read(SCHEME0 + '/target_order'),
                filter_files()))
        inside = wait_orders(f, mem, lo, hi, {4: f.pages(lo, hi)})
        outside = [mem.orders(mem.start, lo), mem.orders(hi, mem.end)]
        result(inside == {4: f.pages(lo, hi)} and
               outside == [{pmd: f.pages(mem.start, lo)},
                           {pmd: f.pages(hi, mem.end)}],
               'split: the filtered THPs at order 4, the others whole '
               '(inside %s, outside %s)' % (inside, outside))

        pid = read(ADMIN + '/0/pid')
        r = damo(args, ['tune'] + common + ['--damos_target_order', '0'])
        ok = r.returncode == 0 and read(ADMIN + '/0/pid') == pid
        ok &= read(SCHEME0 + '/target_order') == '0'
        result(ok, 'damo tune: target_order 0 committed online (kdamond '
               '%s -> %s, target_order %s)' %
               (pid, read(ADMIN + '/0/pid'), read(SCHEME0 + '/target_order')))
        inside = wait_orders(f, mem, lo, hi, {0: f.pages(lo, hi)})
        result(inside == {0: f.pages(lo, hi)} and mem.check(),
               'tune: the filtered THPs now at order 0, contents unchanged '
               '(%s)' % inside)

        r = damo(args, ['report', 'damon'])
        result(r.returncode == 0 and 'Traceback' not in r.stdout and
               'split' in r.stdout and 'order 0' in r.stdout,
               'damo report damon reads the split scheme and its order back')
        r = damo(args, ['stop'])
        result(r.returncode == 0 and state() == 'off', 'damo stop')
    finally:
        if state() == 'on':
            damo(args, ['stop'])
        mem.stop()


def phys_ranges(mem, start, end):
    """The physical ranges of [start, end) of mem (its pagemap), merged and
    sorted (damo takes --regions in address order)."""
    from pagemap import phys_ranges as ranges
    return ranges(mem.pid, start, end)


def check_split_paddr(args, f, pmd):
    mem, lo, hi, whole = four_thps(f, pmd)
    try:
        ranges = phys_ranges(mem, lo, hi)
        if not whole or not ranges:
            return result(False, 'paddr split: four THPs to start from')
        # four regions of half a THP each, which DAMON neither splits (it
        # does only while it has fewer than max_nr_regions / 2; the
        # min_nr_regions limit is 4/3 of a half) nor merges (two halves are
        # above that limit): the split crosses the edges in the middle
        half = (f.page_size << pmd) // 2
        regions = ['%d-%d' % (a, a + half) for lo_, hi_ in ranges
                   for a in range(lo_, hi_, half)]
        r = damo(args, ['start', '--ops', 'paddr', '--regions',
                        ' '.join(regions),
                        '--monitoring_nr_regions_range', '3', '4',
                        '--damos_action', 'split', '--damos_target_order',
                        '4', '--damos_apply_interval', '500000'])
        ctx = ADMIN + '/0/contexts/0'
        ok = r.returncode == 0 and state() == 'on'
        ok &= read(ctx + '/operations') == 'paddr'
        ok &= read(SCHEME0 + '/action') == 'split'
        ok &= read(SCHEME0 + '/target_order') == '4'
        result(ok, 'damo start --ops paddr: split scheme, target_order 4 '
               '(operations %s, action %s, target_order %s)' %
               (read(ctx + '/operations'), read(SCHEME0 + '/action'),
                read(SCHEME0 + '/target_order')))
        inside = wait_orders(f, mem, lo, hi, {4: f.pages(lo, hi)})
        outside = [mem.orders(mem.start, lo), mem.orders(hi, mem.end)]
        result(inside == {4: f.pages(lo, hi)} and
               outside == [{pmd: f.pages(mem.start, lo)},
                           {pmd: f.pages(hi, mem.end)}] and mem.check(),
               'paddr split: the two THPs of the regions at order 4, the '
               'others whole, contents unchanged (inside %s, outside %s)' %
               (inside, outside))
        r = damo(args, ['stop'])
        result(r.returncode == 0 and state() == 'off', 'damo stop (paddr)')
    finally:
        if state() == 'on':
            damo(args, ['stop'])
        mem.stop()


def check_collapse(args, f, pmd):
    thp = f.page_size << pmd
    f.set_thp('enabled', 'never')
    mem = f.FolioMem(4 * thp >> 10, 'anon')
    try:
        lo, hi = mem.start + thp, mem.start + 2 * thp
        if mem.orders(mem.start, mem.end) != {0: f.pages(mem.start,
                                                         mem.end)}:
            return result(False, 'collapse: base pages to start from')
        common, ok = start_scheme(args, f, mem, lo, hi, 'collapse')
        result(ok, 'damo start: collapse scheme with --damos_target_order 4 '
               '(target_order %s)' % read(SCHEME0 + '/target_order'))
        inside = wait_orders(f, mem, lo, hi, {4: f.pages(lo, hi)})
        outside = [mem.orders(mem.start, lo), mem.orders(hi, mem.end)]
        # a few more apply rounds: nothing more is counted
        time.sleep(2)
        with open(ADMIN + '/0/state', 'w') as fd:
            fd.write('update_schemes_stats')
        applied = int(read(SCHEME0 + '/stats/sz_applied'))
        result(inside == {4: f.pages(lo, hi)} and
               outside == [{0: f.pages(mem.start, lo)},
                           {0: f.pages(hi, mem.end)}] and
               applied == hi - lo and mem.check(),
               'collapse: the filtered PMD in order-4 folios, the rest '
               'untouched, sz_applied %d of %d, contents unchanged (%s)' %
               (applied, hi - lo, inside))
        damo(args, ['stop'])

        r = damo(args, ['start'] + common + ['--damos_target_order', '1'])
        result(r.returncode != 0 and 'Traceback' not in r.stdout and
               'target_order' in r.stdout and state() != 'on',
               'damo start: collapse to order 1 refused with a message '
               'naming target_order, no kdamond on (exit %d, state %s)' %
               (r.returncode, state()))
    finally:
        if state() == 'on':
            damo(args, ['stop'])
        mem.stop()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--damo', required=True)
    p.add_argument('--ksft', required=True)
    p.add_argument('--tap')
    args = p.parse_args()
    args.damo = os.path.abspath(args.damo)
    os.chdir(args.ksft)
    sys.path.insert(0, args.ksft)
    import _damon_folio as f
    f.require_thp()
    pmd = f.pmd_order()
    f.anon_thp_never()
    f.set_thp(os.path.join(os.path.basename(f.order_dir(pmd)), 'enabled'),
              'inherit')
    print('TAP version 13')
    for check in [lambda: check_features(args),
                  lambda: check_split(args, f, pmd),
                  lambda: check_split_paddr(args, f, pmd),
                  lambda: check_collapse(args, f, pmd)]:
        try:
            check()
        except Exception as e:      # a broken step fails, the rest runs
            result(False, 'exception: %r' % e)
    print('1..%d' % len(results))
    if args.tap:
        with open(args.tap, 'w') as fd:
            fd.write('TAP version 13\n1..%d\n' % len(results))
            for i, (ok, name, note) in enumerate(results, 1):
                fd.write('%s %d damo: %s%s\n' % ('ok' if ok else 'not ok', i,
                                                 name,
                                                 ' # ' + note if note else ''))
    sys.exit(0 if all(ok for ok, _, _ in results) else 1)


if __name__ == '__main__':
    main()
