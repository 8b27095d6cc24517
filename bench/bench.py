#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: what DAMOS_SPLIT and DAMOS_COLLAPSE cost, against the
kernel's own paths, as ratios of two things measured in the same guest run.

Runs in the guest (scripts/bench.sh boots it), in a copy of the installed
DAMON kselftests (for _damon_sysfs.py), with bench/benchmem as the target
process.  Every case starts fresh processes on identical layouts, runs ours
and the reference back to back, alternating which goes first, and repeats;
the table gives min and median.  Rows:

  split       DAMOS_SPLIT over M MiB of anon PMD THPs to order N: kdamond
              CPU time until sz_applied == M, against the CPU time of the
              write to /sys/kernel/debug/split_huge_pages for the same
              range and order (the kernel's own range split).  ratio =
              reference time / ours (> 1: ours is faster).
  collapse    DAMOS_COLLAPSE target_order 9 over M MiB of 4 KiB anon pages:
              kdamond CPU time until sz_applied == M, against the CPU time
              of madvise(MADV_COLLAPSE) on the same layout.  Orders 2 and
              4: their bytes/s relative to ours at the PMD order.
  steady      the target touching one word of each page in a loop (ops/s
              measured inside it) under a stat scheme and, in the same
              process, a converged scheme (collapse at order 4 and at the
              PMD order, nothing left to collapse; split, nothing left to
              split) re-applied every aggregation (100 ms; --steady-apply-ms
              sets another interval); alternated.
              ratios: ops/s and kdamond CPU time, converged / stat.
  paddr       DAMOS_SPLIT of the paddr operations to order 0 over the same
              M MiB of anon PMD THPs: a paddr kdamond whose monitoring
              regions are the THPs' physical ranges (read from pagemap),
              kdamond CPU time until sz_applied == M, against the same
              debugfs split_huge_pages write as the split row.
  sparse      a split scheme over a RESERVE MiB mostly unmapped reservation
              with 64 MiB touched: kdamond CPU time per second against a
              stat scheme over the same.
  converged   DAMOS_COLLAPSE at order 4 over the largest size (or
              --converged-size) after it has converged, the target idle:
              kdamond CPU time per second against a stat scheme over the
              same, alternated in one kdamond; then the same with a DAMOS
              time quota of --converged-quota-ms per second on the scheme.
              The steady rows' cost at a size where it is not lost in
              DAMON's own: a converged scheme still reads the page tables of
              all the memory it covers at every apply.
  scaling     the split and collapse rows' cost per folio at each size,
              relative to the smallest size.

Usage: bench.py --ksft DIR --benchmem PATH [--sizes 64,256,1024]
                [--repeat 5] [--seconds 5] [--reserve 4096]
                [--json FILE] [--csv FILE] [--meta KEY=VALUE ...]
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time

THP = '/sys/kernel/mm/transparent_hugepage'
# From the selftests' helpers (_damon_folio.py), set by thp_setup()
PAGE = 4096
PMD = 2 << 20
PMD_ORDER = 9
ADMIN = '/sys/kernel/mm/damon/admin/kdamonds/0'
INCOMPLETE = []     # actions that did not reach their folio order


def say(msg):
    print(msg, flush=True)


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, value):
    with open(path, 'w') as f:
        f.write(str(value))


def thp_setup(ksft):
    """THP for MADV_HUGEPAGE'd memory only (benchmem -l thp), mTHP sizes
    off (forced collapse ignores them), khugepaged idle; the selftests'
    set_thp() restores the settings at exit, SIGTERM included (make test
    runs other suites after the smoke run)."""
    global PAGE, PMD, PMD_ORDER
    sys.path.insert(0, ksft)
    import _damon_folio as fo
    PAGE, PMD, PMD_ORDER = fo.page_size, fo.pmd_size(), fo.pmd_order()
    fo.set_thp('enabled', 'madvise')
    for d in os.listdir(THP):
        if d.startswith('hugepages-'):
            try:
                fo.set_thp('%s/enabled' % d, 'inherit'
                           if d == 'hugepages-%dkB' % (PMD >> 10) else 'never')
            except OSError:
                pass
    fo.set_thp('khugepaged/scan_sleep_millisecs', '600000')


def cpu_ns(pid):
    """CPU time of a process (a kthread too), in ns: its process CPU clock
    (CPUCLOCK_SCHED), or /proc/PID/stat ticks where that is refused."""
    try:
        return time.clock_gettime_ns(((~pid) << 3) | 2)
    except OSError:
        f = read('/proc/%d/stat' % pid).rsplit(')', 1)[1].split()
        return (int(f[11]) + int(f[12])) * 10 ** 9 // os.sysconf('SC_CLK_TCK')


class Mem:
    """A benchmem process."""

    def __init__(self, args, size, layout, reserve=0):
        cmd = [args.benchmem, '-s', str(size), '-l', layout]
        if reserve:
            cmd += ['-r', str(reserve)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        w = self.proc.stdout.readline().split()
        if len(w) != 3 or w[0] != 'ready':
            self.proc.kill()
            raise SystemExit('bench: benchmem did not start: %s' % w)
        self.start, self.end = int(w[1], 16), int(w[2], 16)
        self.size = self.end - self.start
        self.pid = self.proc.pid

    def cmd(self, line):
        self.proc.stdin.write(line + '\n')
        self.proc.stdin.flush()
        return self.proc.stdout.readline().split()

    def orders(self):
        """{order: base pages} of the memory's mapped folios (benchmem
        reads its own pagemap and /proc/kpageflags)."""
        w = self.cmd('orders')
        res = {}
        for kv in w[1:]:
            k, v = kv.split(':')
            res[int(k) if k.isdigit() else k] = int(v)
        return res

    def wait_orders(self, order, timeout):
        want = {order: self.size >> 12}
        deadline = time.time() + timeout
        got = self.orders()
        while got != want and time.time() < deadline:
            time.sleep(0.2)
            got = self.orders()
        return got == want, got

    def stop(self):
        ok = self.cmd('check') == ['check', 'ok']
        try:
            self.cmd('exit')
        except OSError:
            pass
        self.proc.wait()
        if not ok:
            raise SystemExit('bench: benchmem memory changed behind its back')


def phys_ranges(mem):
    """The physical address ranges of mem's pages, from its pagemap:
    [(start, end), ...], contiguous pages merged up to a PMD (a region
    larger than a third of the total would be cut at a page-granular
    offset by damon_apply_min_nr_regions(), inside a folio)."""
    from pagemap import phys_ranges as ranges
    out = ranges(mem.pid, mem.start, mem.start + mem.size, cut=PMD)
    if out is None:
        raise SystemExit('bench: a page of benchmem is not present')
    return [tuple(r) for r in out]


class Damon:
    """One vaddr kdamond on a Mem, one scheme with an address filter over
    the memory, min_nr_accesses 0.  With ops='paddr': a paddr kdamond
    whose regions are the memory's physical ranges (no filter; DAMON
    splits them only while it has fewer than max_nr_regions / 2, which is
    their number).  Its initial regions come from the
    selftests' fixed_regions(): edges at the memory's ends and PMD
    boundaries, none larger than a third of the memory (a larger one
    damon_apply_min_nr_regions() would cut at a page-granular offset, inside
    a folio), max_nr_regions is their number and no update of the mapped
    ranges runs: DAMON then never splits a region, so no folio is ever cut
    by a region boundary."""

    def __init__(self, ksft, mem, action, order=None, ops='vaddr',
                 apply_us=0):
        sys.path.insert(0, ksft)
        import _damon_sysfs as ds
        import _damon_folio as fo
        self.ds = ds
        if ops == 'paddr':
            regions = phys_ranges(mem)
            fixed = ds.DamonAttrs(max_nr_regions=max(3, len(regions)))
            target = ds.DamonTarget(pid=0, regions=regions)
            filters = []
        else:
            fixed, target = fo.fixed_regions(mem)
            filters = [ds.DamosFilter(type_='addr', matching=True,
                                      allow=True, addr_start=mem.start,
                                      addr_end=mem.end)]
        scheme = ds.Damos(action=action, target_order=order,
                          core_filters=filters, apply_interval_us=apply_us)
        self.kd = ds.Kdamonds([ds.Kdamond(contexts=[ds.DamonCtx(
            ops=ops,
            monitoring_attrs=ds.DamonAttrs(
                sample_us=10000, aggr_us=100000, update_us=fixed.update_us,
                min_nr_regions=3, max_nr_regions=fixed.max_nr_regions),
            targets=[target],
            schemes=[scheme])])])
        err = self.kd.start()
        if err is not None:
            raise SystemExit('bench: kdamond start failed: %s' % err)
        self.pid = int(self.kd.kdamonds[0].pid)
        self.scheme = scheme

    def stats(self):
        err = self.kd.kdamonds[0].update_schemes_stats()
        if err is not None:
            raise SystemExit('bench: stats update failed: %s' % err)
        return self.scheme.stats

    def set_action(self, action, order=None):
        d = '%s/contexts/0/schemes/0' % ADMIN
        write(d + '/action', action)
        if order is not None:
            write(d + '/target_order', order)
        write(ADMIN + '/state', 'commit')

    def wait_applied(self, want, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            st = self.stats()
            if st.sz_applied >= want:
                return st
            time.sleep(0.1)
        return self.stats()

    def stop(self):
        self.kd.stop()


TRACE = '/sys/kernel/tracing'
TRACE_EVENTS = ['damon/damos_before_apply',
                'huge_memory/mm_khugepaged_scan_pmd',
                'huge_memory/mm_collapse_huge_page',
                'huge_memory/mm_collapse_huge_page_isolate']


def trace_collapse(seconds):
    """The DAMOS apply and collapse tracepoints' distinct lines over a few
    seconds (which regions DAMOS applies the action to, and the scan and
    collapse results), with counts."""
    try:
        write(TRACE + '/trace', '')
        for ev in TRACE_EVENTS:
            write('%s/events/%s/enable' % (TRACE, ev), '1')
        time.sleep(seconds)
        for ev in TRACE_EVENTS:
            write('%s/events/%s/enable' % (TRACE, ev), '0')
        with open(TRACE + '/trace') as f:
            lines = [l.split(': ', 2)[-1].strip() for l in f
                     if not l.startswith('#')]
    except OSError as e:
        return 'tracing not available: %s' % e
    counts = {}
    for l in lines:
        k = ' '.join(w for w in l.split() if not w.startswith(('mm=',
                                                               'scan_pfn=')))
        counts[k] = counts.get(k, 0) + 1
    return '; '.join('%d x %s' % (v, k) for k, v in
                     sorted(counts.items(), key=lambda kv: -kv[1])[:12]) \
        or 'no collapse attempted'


def div(a, b):
    """a / b, or None when b is 0 (a CPU time below the clock's
    resolution)."""
    return a / b if b else None


def stat_of(xs):
    xs = sorted(xs)
    return {'min': xs[0], 'median': statistics.median(xs), 'n': len(xs)}


# ------------------------------------------------------------------- rows

def monitoring_rate(args, mem, seconds=1.0):
    """kdamond CPU ns per second of a stat scheme over mem, with the stats
    polled as wait_applied() polls them: what DAMON's monitoring (sampling,
    aggregation, the stats reads) costs while an action runs."""
    dm = Damon(args.ksft, mem, 'stat')
    try:
        time.sleep(0.3)
        c0, t0 = cpu_ns(dm.pid), time.time()
        while time.time() - t0 < seconds:
            dm.stats()
            time.sleep(0.1)
        return (cpu_ns(dm.pid) - c0) / (time.time() - t0)
    finally:
        dm.stop()


def action_cost(args, size, layout, action, order, from_order, net=None,
                ops='vaddr'):
    """kdamond CPU ns until a fresh Mem of size MiB, all in folios of
    from_order, is all in folios of order: taken when sz_applied reaches
    the size (pagemap + kpageflags then confirm it; the kdamond's CPU
    while that check reads 32 MiB of pagemap is not the action's), or
    after the whole wait if it never does.  If net is a list, the same
    less what DAMON's monitoring costs over that time (a stat scheme's
    kdamond CPU rate on the same memory, measured first) is appended
    to it: the action's own cost."""
    mem = fresh_mem(args, size, layout, from_order)
    try:
        rate = monitoring_rate(args, mem) if net is not None else 0
        dm = Damon(args.ksft, mem, action, order, ops)
        c0, t0 = cpu_ns(dm.pid), time.time()
        st = dm.wait_applied(mem.size, args.wait + size // 4)
        c1, t1 = cpu_ns(dm.pid), time.time()
        if net is not None:
            net.append(max(0, c1 - c0 - rate * (t1 - t0)))
        done, got = mem.wait_orders(order, args.wait + size // 4)
        if not done:
            c1 = cpu_ns(dm.pid)
        if not done:
            # while the scheme still applies: what DAMOS and khugepaged do
            say('# tracepoints over 3 s (memory at %#x-%#x): %s' %
                (mem.start, mem.end, trace_collapse(3)))
        dm.stop()
        if not done:
            # a finding, not a crash: the row says so, and the cost covers
            # the whole wait
            left = mem.size // PAGE - got.get(order, 0)
            INCOMPLETE.append('%s to order %d over %d MiB: %d pages not at '
                              'the order after %d s (folios %s, sz_applied '
                              '%d)' % (action, order, size, left,
                                       args.wait + size // 4, got,
                                       st.sz_applied))
            say('# incomplete: ' + INCOMPLETE[-1])
        return c1 - c0
    finally:
        mem.stop()


def ref_cost(args, size, layout, line, from_order, order):
    """CPU ns of the kernel's own path (a benchmem command) on a fresh Mem."""
    mem = fresh_mem(args, size, layout, from_order)
    try:
        w = mem.cmd(line)
        if len(w) != 4 or w[1] != '0':
            raise SystemExit('bench: %s failed: %s' % (line, w))
        check(mem, order, 'after %s' % line)
        return int(w[3])
    finally:
        mem.stop()


def fresh_mem(args, size, layout, order):
    """A Mem all in folios of order.  If the THPs of a thp layout could not
    all be allocated (memory fragmented by what ran before in the guest),
    compact memory and try once more: every run starts from the same
    layout."""
    mem = Mem(args, size, layout)
    if mem.orders() == {order: mem.size >> 12}:
        return mem
    got = mem.orders()
    mem.stop()
    say('# %s layout of %d MiB came out as %s: compacting memory, once more' %
        (layout, size, got))
    write('/proc/sys/vm/drop_caches', 3)
    write('/proc/sys/vm/compact_memory', 1)
    mem = Mem(args, size, layout)
    try:
        check(mem, order, 'before')
    except SystemExit:
        mem.stop()
        raise
    return mem


def check(mem, order, when):
    got = mem.orders()
    if got != {order: mem.size >> 12}:
        raise SystemExit('bench: %s: folios %s, expected all of order %d' %
                         (when, got, order))


def pairs(args, ours, ref, repeat):
    """Run ours and ref alternately (ours first on even rounds)."""
    a, b = [], []
    for i in range(repeat):
        if i % 2 == 0:
            a.append(ours())
            b.append(ref())
        else:
            b.append(ref())
            a.append(ours())
    return a, b


def row_split(args, size, order, repeat, ops='vaddr'):
    return pairs(
        args, lambda: action_cost(args, size, 'thp', 'split', order,
                                  PMD_ORDER, ops=ops),
        lambda: ref_cost(args, size, 'thp', 'split %d' % order, PMD_ORDER,
                         order), repeat)


def row_collapse(args, size, order, repeat, with_ref, net=None):
    ours = lambda: action_cost(args, size, 'small', 'collapse', order, 0,
                               net)
    if not with_ref:
        return [ours() for _ in range(repeat)], None
    return pairs(args, ours, lambda: ref_cost(args, size, 'small', 'collapse',
                                              0, PMD_ORDER), repeat)


def steady(args, size, layout, converge, action, order, repeat, seconds):
    """ops/s and kdamond CPU/s of the target under a stat scheme and under a
    converged ACTION scheme, alternated in one process."""
    mem = Mem(args, size, layout)
    try:
        dm = Damon(args.ksft, mem, 'stat', order,
                   apply_us=args.steady_apply_ms * 1000)
        if converge:
            dm.set_action(converge, order)
            done, got = mem.wait_orders(order, args.wait)
            if not done:
                INCOMPLETE.append('steady: %s to order %d left %s after '
                                  '%d s' % (converge, order, got, args.wait))
                say('# incomplete: ' + INCOMPLETE[-1])
        res = {'stat': ([], []), action: ([], [])}
        for i in range(repeat):
            for a in (['stat', action] if i % 2 == 0 else [action, 'stat']):
                dm.set_action(a, order)
                time.sleep(0.3)     # the commit takes effect
                c0 = cpu_ns(dm.pid)
                w = mem.cmd('touch %d' % (seconds * 1000))
                c1 = cpu_ns(dm.pid)
                ops, dt = int(w[1]), int(w[2])
                res[a][0].append(ops * 1e9 / dt)
                res[a][1].append((c1 - c0) * 1e9 / dt)
        applied = dm.stats().sz_applied
        dm.stop()
        return res, applied
    finally:
        mem.stop()


def idle_cpu_rates(dm, action, order, repeat, seconds):
    """kdamond CPU ns/s of dm's scheme as 'stat' and as action, the target
    idle, alternated repeat times (stat first on even rounds)."""
    res = {'stat': [], action: []}
    for i in range(repeat):
        for a in (['stat', action] if i % 2 == 0 else [action, 'stat']):
            dm.set_action(a, order)
            time.sleep(0.3)     # the commit takes effect
            c0, t0 = cpu_ns(dm.pid), time.time()
            time.sleep(seconds)
            res[a].append((cpu_ns(dm.pid) - c0) / (time.time() - t0))
    return res


def sparse(args, repeat, seconds):
    mem = Mem(args, 64, 'small', reserve=args.reserve)
    try:
        # the filter and the regions cover the whole reservation
        mem.end = mem.start + (args.reserve << 20)
        dm = Damon(args.ksft, mem, 'stat', 0)
        res = idle_cpu_rates(dm, 'split', 0, repeat, seconds)
        dm.stop()
        return res
    finally:
        mem.end = mem.start + mem.size
        mem.stop()


def set_quota(ms, reset_ms=1000):
    """The time quota of the kdamond's scheme (0: none), committed."""
    d = '%s/contexts/0/schemes/0/quotas' % ADMIN
    write(d + '/ms', ms)
    write(d + '/reset_interval_ms', reset_ms)
    write(ADMIN + '/state', 'commit')


def converged(args, size, order, repeat, seconds, quotas):
    """kdamond CPU ns/s of a stat scheme and of a converged collapse scheme
    over an idle Mem of size MiB, alternated in one kdamond, with each of
    quotas (ms per second, 0: none) on the scheme in turn."""
    mem = Mem(args, size, 'small')
    try:
        dm = Damon(args.ksft, mem, 'stat', order,
                   apply_us=args.steady_apply_ms * 1000)
        dm.set_action('collapse', order)
        done, got = mem.wait_orders(order, args.wait + size // 4)
        if not done:
            INCOMPLETE.append('converged: collapse to order %d left %s after '
                              '%d s' % (order, got, args.wait + size // 4))
            say('# incomplete: ' + INCOMPLETE[-1])
        res = {}
        for q in quotas:
            set_quota(q)
            res[q] = idle_cpu_rates(dm, 'collapse', order, repeat, seconds)
        dm.stop()
        return res
    finally:
        mem.stop()


# ------------------------------------------------------------------ table

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ksft', required=True)
    p.add_argument('--benchmem', required=True)
    p.add_argument('--sizes', default='64,256,1024')
    p.add_argument('--repeat', type=int, default=5)
    p.add_argument('--seconds', type=int, default=5)
    p.add_argument('--steady-apply-ms', type=int, default=0,
                   help='apply interval of the steady rows\' schemes '
                   '(default 0: every aggregation, 100 ms)')
    p.add_argument('--steady-size', type=int, default=0,
                   help='MiB for the steady rows (default: the smallest '
                   'size, at most 32)')
    p.add_argument('--reserve', type=int, default=4096)
    p.add_argument('--converged-size', type=int, default=0,
                   help='MiB for the converged rows (default: the largest '
                   'size)')
    p.add_argument('--converged-quota-ms', type=int, default=10,
                   help='time quota (ms per second) of the second converged '
                   'row')
    p.add_argument('--wait', type=int, default=60,
                   help='seconds (plus MiB/4) an action may take to reach '
                   'its folio order before its row is marked incomplete')
    p.add_argument('--rows',
                   default='split,paddr,collapse,steady,sparse,converged,'
                   'scaling',
                   help='row groups to run (scaling needs split and '
                   'collapse)')
    p.add_argument('--json')
    p.add_argument('--csv')
    p.add_argument('--meta', action='append', default=[])
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(',')]
    groups = set(args.rows.split(','))
    thp_setup(args.ksft)
    rows = []

    def add(name, size, ours, ref, unit, goal=None, cmp='ref', note=''):
        if cmp == 'ref':
            # ratio of medians, reference cost / our cost (> 1: ours faster)
            cmp = div(statistics.median(ref), statistics.median(ours))
        if cmp is None:
            # CPU times move in clock ticks without a TSC clocksource
            INCOMPLETE.append('a median of 0 (below the resolution of '
                              'clocksource %s): no ratio' % read(
                                  '/sys/devices/system/clocksource/'
                                  'clocksource0/current_clocksource'))
        if INCOMPLETE:
            note = (note + '; ' if note else '') + 'INCOMPLETE: ' + \
                ' / '.join(INCOMPLETE)
            del INCOMPLETE[:]
        r = {'row': name, 'size_mib': size, 'unit': unit,
             'ours': stat_of(ours), 'reference': stat_of(ref) if ref else None,
             'goal': goal, 'note': note}
        if cmp is not None:
            r['ratio'] = cmp
        r['met'] = None if goal is None or 'ratio' not in r else \
            (r['ratio'] >= goal[1] if goal[0] == '>=' else
             r['ratio'] <= goal[1])
        rows.append(r)
        say(fmt(r))

    say(HEADER)
    per_folio = {}
    for size in sizes:
        rep = args.repeat if size <= 256 else max(3, args.repeat // 2)
        nr_pmd = (size << 20) >> 21
        for order in (0, 4) if 'split' in groups else ():
            ours, ref = row_split(args, size, order, rep)
            add('split to order %d (cpu ms)' % order, size,
                [x / 1e6 for x in ours], [x / 1e6 for x in ref], 'ms',
                ('>=', 1.2), note='ref: debugfs split_huge_pages')
            per_folio.setdefault('split %d' % order, {})[size] = \
                statistics.median(ours) / nr_pmd
        if 'paddr' in groups:
            ours, ref = row_split(args, size, 0, rep, 'paddr')
            add('paddr split to order 0 (cpu ms)', size,
                [x / 1e6 for x in ours], [x / 1e6 for x in ref], 'ms',
                ('>=', 1.2), note='ref: debugfs split_huge_pages (pid, '
                'range); ours: regions = the THPs\' physical ranges')
        if 'collapse' not in groups:
            continue
        net9 = []
        ours9, ref9 = row_collapse(args, size, PMD_ORDER, rep, True, net9)
        add('collapse to order 9 (cpu ms)', size, [x / 1e6 for x in ours9],
            [x / 1e6 for x in ref9], 'ms', ('>=', 0.95),
            note='ref: madvise(MADV_COLLAPSE)')
        add('collapse to order 9 less monitoring (cpu ms)', size,
            [x / 1e6 for x in net9], [x / 1e6 for x in ref9], 'ms',
            ('>=', 0.95), note='ref: madvise(MADV_COLLAPSE); ours less a '
            'stat scheme\'s kdamond CPU rate over the same time')
        per_folio.setdefault('collapse 9', {})[size] = \
            statistics.median(ours9) / nr_pmd
        for order in (2, 4):
            ours, _ = row_collapse(args, size, order, rep, False)
            add('collapse to order %d (cpu ms)' % order, size,
                [x / 1e6 for x in ours], None, 'ms',
                cmp=div(statistics.median(ours9), statistics.median(ours)),
                note='ratio: bytes/s vs ours at order 9')

    # at most 32 MiB: a larger touch loop overflows QEMU's software TLB
    # and then measures that (README, make bench)
    small = args.steady_size or min(32, sizes[0])
    for label, layout, converge, action, order in [
            ('steady collapse order 4', 'small', 'collapse', 'collapse', 4),
            ('steady collapse order 9', 'thp', None, 'collapse', 9),
            ('steady split (nothing left)', 'small', None, 'split', 0)]:
        if 'steady' not in groups:
            break
        res, applied = steady(args, small, layout, converge, action, order,
                              args.repeat, args.seconds)
        ops = div(statistics.median(res[action][0]),
                  statistics.median(res['stat'][0]))
        add(label + ': target ops/s', small, res[action][0], res['stat'][0],
            'ops/s', ('>=', 0.98), cmp=ops,
            note='ref: stat scheme; ratio: ours / stat')
        cpu = statistics.median(res[action][1]) / \
            max(1.0, statistics.median(res['stat'][1]))
        add(label + ': kdamond cpu ns/s', small, res[action][1],
            res['stat'][1], 'ns/s', ('<=', 1.1), cmp=cpu,
            note='ref: stat scheme; ratio: ours / stat; sz_applied at the '
            'end: %d' % applied)
    if 'sparse' in groups:
        res = sparse(args, args.repeat, args.seconds)
        r = statistics.median(res['split']) / max(1.0, statistics.median(
            res['stat']))
        add('sparse split, %d MiB reserved (kdamond cpu ns/s)' %
            args.reserve, 64, res['split'], res['stat'], 'ns/s',
            ('<=', 1.1), cmp=r, note='ref: stat scheme; ratio: ours / stat')
    if 'converged' in groups:
        size = args.converged_size or max(sizes)
        quotas = [0, args.converged_quota_ms]
        res = converged(args, size, 4, args.repeat, args.seconds, quotas)
        for q in quotas:
            r = statistics.median(res[q]['collapse']) / max(
                1.0, statistics.median(res[q]['stat']))
            add('converged collapse order 4, idle%s (kdamond cpu ns/s)' %
                (', %d ms/s quota' % q if q else ''), size,
                res[q]['collapse'], res[q]['stat'], 'ns/s', ('<=', 1.1),
                cmp=r, note='ref: stat scheme; ratio: ours / stat; applied '
                'every %d ms' % (args.steady_apply_ms or 100))
    for k, v in per_folio.items() if 'scaling' in groups else ():
        base = v[sizes[0]]
        for size in sizes:
            add('scaling %s: cpu us per PMD range' % k, size,
                [v[size] / 1e3], None, 'us', ('<=', 1.5),
                cmp=div(v[size], base), note='ratio: vs %d MiB' % sizes[0])

    meta = dict(m.split('=', 1) for m in args.meta)
    meta.update({'date': time.strftime('%Y-%m-%d %H:%M:%S UTC',
                                       time.gmtime()),
                 'kernel': os.uname().release + ' ' + os.uname().version,
                 'guest_cpus': os.sysconf('SC_NPROCESSORS_ONLN'),
                 'guest_mem_mib': os.sysconf('SC_PHYS_PAGES') *
                 os.sysconf('SC_PAGE_SIZE') >> 20,
                 # CPU times are this clock's resolution: jiffies (4 ms)
                 # when TSC calibration failed at boot (TCG, no HPET)
                 'clocksource': read('/sys/devices/system/clocksource/'
                                     'clocksource0/current_clocksource'),
                 'sizes_mib': sizes, 'repeat': args.repeat,
                 'seconds': args.seconds,
                 'steady_apply_ms': args.steady_apply_ms or 100})
    say('')
    say('\n'.join('# %s: %s' % kv for kv in sorted(meta.items())))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'meta': meta, 'rows': rows}, f, indent=1)
    if args.csv:
        with open(args.csv, 'w', newline='') as f:
            w = csv.writer(f)
            w.writerow(['row', 'size_mib', 'unit', 'ours_min', 'ours_median',
                        'ref_min', 'ref_median', 'ratio', 'goal', 'met',
                        'note'])
            for r in rows:
                ref = r['reference'] or {}
                w.writerow([r['row'], r['size_mib'], r['unit'],
                            r['ours']['min'], r['ours']['median'],
                            ref.get('min', ''), ref.get('median', ''),
                            '%.3f' % r['ratio'] if 'ratio' in r else '',
                            '%s %s' % r['goal'] if r['goal'] else '',
                            r['met'], r['note']])


HEADER = '%-52s %6s %21s %21s %7s %7s %4s  %s' % (
    'row', 'MiB', 'ours min/median', 'ref min/median', 'ratio', 'goal',
    'met', 'note')


def fmt(r):
    def mm(s):
        if not s:
            return '-'
        return '%s/%s' % (num(s['min']), num(s['median']))
    ref = r['reference']
    return '%-52s %6d %21s %21s %7s %7s %4s  %s' % (
        r['row'], r['size_mib'], mm(r['ours']), mm(ref),
        '%.3f' % r['ratio'] if 'ratio' in r else '-',
        '%s%s' % r['goal'] if r['goal'] else '-',
        {True: 'yes', False: 'NO', None: '-'}[r['met']], r['note'])


def num(x):
    if x >= 1e6:
        return '%.3g' % x
    if x >= 100:
        return '%.0f' % x
    return '%.2f' % x


if __name__ == '__main__':
    main()
