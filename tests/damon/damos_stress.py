#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
'''
DAMOS_SPLIT and DAMOS_COLLAPSE on processes that keep changing their
address space (damos_stress.c: mremap, munmap, mprotect, fork, MADV_DONTNEED,
MADV_FREE, punch holes, MADV_COLLAPSE, io_uring pins, and exit) while they
check every byte of their anon, memfd and shmem memory.

Two kdamonds monitor the live workers at 1 ms sampling and 10 ms
aggregation, with khugepaged scanning every 10 ms. Every few hundred ms one
of them is committed online with a new scheme (split or collapse, a random
target_order the action takes) and the current workers as targets; now and
then the schemes' stats and tried regions are read and a kdamond is turned
off and on. Targets exit while they are acted on; a kdamond whose targets
all exited stops, and is started again on the new workers.

A third kdamond splits, from the physical address space (paddr), the
large folios of all the memory, with a random target_order committed now
and then: it walks PFNs while the workers' memory is freed and reused.

Three rounds: PMD-sized THPs only, mTHPs only, and everything at once.
Passes when no worker saw a byte change behind its back, no worker died,
commits went through and both actions applied to some memory. Kernel
warnings, lockdep and KASAN reports are for the harness to catch (boot
with panic_on_warn=1).

DAMOS_STRESS_SECONDS (per round, default 60, at least 15), DAMOS_STRESS_ROUNDS
(default 3) and DAMOS_STRESS_PROCS (default 3) change the load.
'''

import os
import random
import shutil
import signal
import subprocess
import tempfile
import time

import _damon_ext as f
import _damon_sysfs

seconds = float(os.environ.get('DAMOS_STRESS_SECONDS', '60'))
# Staging a kdamond takes seconds under KASAN: in shorter rounds the
# schemes would hardly act, and the checks that they did would fail.
min_seconds = 15
rounds = int(os.environ.get('DAMOS_STRESS_ROUNDS', '3'))
procs = int(os.environ.get('DAMOS_STRESS_PROCS', '3'))
# What the LRU counters may drift by (per-CPU batches, the drivers' own
# memory): 1 MiB.
max_leak = 1 << 20

def size_order(size_dir):
    '''"hugepages-64kB" -> 4 (with 4 KiB pages)'''
    return (int(size_dir[len('hugepages-'):-2]) * 1024 //
            f.page_size).bit_length() - 1

def anon_orders():
    '''Orders of the sizes anonymous memory can have (the others, like
    order 1, are for shmem and the page cache only).'''
    return [size_order(d) for d in f.size_dirs()
            if os.path.exists(os.path.join(f.thp_dir, d, 'enabled'))]

def configure(name):
    '''THP settings of a round.'''
    pmd = f.pmd_order()
    for d in f.size_dirs():
        order = size_order(d)
        if not os.path.exists(os.path.join(f.thp_dir, d, 'enabled')):
            continue
        if name == 'pmd':
            anon = 'inherit' if order == pmd else 'never'
        elif name == 'mthp':
            anon = 'never' if order == pmd else 'always'
        else:
            anon = 'inherit'
        f.set_thp(os.path.join(d, 'enabled'), anon)
        shmem = os.path.join(d, 'shmem_enabled')
        if os.path.exists(os.path.join(f.thp_dir, shmem)):
            f.set_thp(shmem, 'inherit' if name != 'mthp' or order == pmd
                      else 'always')
    f.set_thp('enabled', 'always' if name == 'mixed' else 'madvise')
    f.set_thp('shmem_enabled', 'advise')

def new_scheme(action, target_order=None):
    # Damos' default arguments are shared instances that point back to the
    # last scheme made: give every scheme its own.
    return _damon_sysfs.Damos(
            action=action, target_order=target_order,
            access_pattern=_damon_sysfs.DamosAccessPattern(),
            quota=_damon_sysfs.DamosQuota(),
            watermarks=_damon_sysfs.DamosWatermarks(),
            dests=_damon_sysfs.DamosDests())

def lru_orphans():
    '''Pages on the anonymous LRU lists that no process maps and neither
    shmem nor the swap cache holds: once every worker has exited, folios
    that someone forgot to put.'''
    try:
        f.write('/proc/sys/vm/stat_refresh', '1')
    except OSError:
        pass
    v = {}
    with open('/proc/vmstat') as fd:
        for line in fd:
            k, n = line.split()
            v[k] = int(n)
    return v['nr_inactive_anon'] + v['nr_active_anon'] - \
        v['nr_anon_pages'] - v['nr_shmem'] - v.get('nr_swapcached', 0)

class Stress:
    def __init__(self):
        pmd = f.pmd_order()
        orders = anon_orders()
        self.orders = {
                # order 1: no anonymous folio has it, the split fails
                'split': [0, 1] + [o for o in orders if o < pmd],
                'collapse': sorted(set(orders + [pmd]))}
        self.kdamonds = None
        self.refusals = {}
        self.action = {}
        self.last = {}
        self.applied = {'split': 0, 'collapse': 0, 'paddr split': 0}
        self.beyond = []
        self.nr = {'commits': 0, 'refused commits': 0, 'restarts': 0,
                   'refused starts': 0,
                   'off/on': 0, 'stats reads': 0, 'tried_regions reads': 0,
                   'tried regions': 0}

    def scheme(self, action=None):
        action = action or random.choice(['split', 'collapse'])
        return action, new_scheme(
                action, target_order=random.choice(self.orders[action]))

    def kdamond(self, i, pids, action=None):
        action, scheme = self.scheme(action)
        kd = _damon_sysfs.Kdamond(contexts=[_damon_sysfs.DamonCtx(
            ops='vaddr',
            monitoring_attrs=_damon_sysfs.DamonAttrs(
                sample_us=1000, aggr_us=10000, update_us=100000,
                min_nr_regions=10, max_nr_regions=200),
            targets=[_damon_sysfs.DamonTarget(pid=p) for p in pids],
            schemes=[scheme, new_scheme('stat')])])
        kd.idx = i
        kd.kdamonds = self.kdamonds
        self.kdamonds.kdamonds[i] = kd
        return action, kd

    def start_paddr(self):
        '''A third kdamond: split, from the physical address space, the
        large folios of all the memory (the workers', as they exit and
        their memory is freed and reused, and everyone else's).'''
        lo, hi = f.system_ram()
        kd = _damon_sysfs.Kdamond(contexts=[_damon_sysfs.DamonCtx(
            ops='paddr',
            monitoring_attrs=_damon_sysfs.DamonAttrs(
                sample_us=1000, aggr_us=10000, update_us=100000,
                min_nr_regions=10, max_nr_regions=200),
            targets=[_damon_sysfs.DamonTarget(pid=0, regions=[(lo, hi)])],
            schemes=[new_scheme('split', target_order=random.choice(
                self.orders['split']))])])
        kd.idx = 2
        kd.kdamonds = self.kdamonds
        self.kdamonds.kdamonds[2] = kd
        if kd.start() is None:
            self.action[2] = 'paddr split'
            self.last[2] = 0
            return True
        self.nr['refused starts'] += 1
        return False

    def state(self, i):
        content, err = _damon_sysfs.read_file(os.path.join(
            self.kdamonds.kdamonds[i].sysfs_dir(), 'state'))
        return content.strip() if err is None else 'error'

    @staticmethod
    def fallbacks(pids):
        '''The targets to try: all live workers; if one of them exited
        meanwhile (staging takes seconds under KASAN), the first worker
        (it lives to the end of the round).'''
        return [pids, pids[:1]] if len(pids) > 1 else [pids]

    def start(self, i, pids, action=None):
        for targets in self.fallbacks(pids):
            action, kd = self.kdamond(i, targets, action)
            err = kd.start()
            if err is None:
                self.action[i] = action
                self.last[i] = 0
                return True
            # a target exited meanwhile
            self.nr['refused starts'] += 1
            gone = len([p for p in targets
                        if not os.path.exists('/proc/%d' % p)])
            why = '%s, %s of %d targets gone' % (err, gone, len(targets))
            self.refusals[why] = self.refusals.get(why, 0) + 1
        return False

    def commit(self, i, pids):
        for targets in self.fallbacks(pids):
            action, kd = self.kdamond(i, targets)
            if kd.commit() is None:
                self.nr['commits'] += 1
                self.action[i] = action
                return
            self.nr['refused commits'] += 1
            if self.state(i) != 'on':
                return

    def read_stats(self, i):
        '''Add what the scheme applied since the last read to its action.'''
        kd = self.kdamonds.kdamonds[i]
        if kd.update_schemes_stats() is not None:
            return
        self.nr['stats reads'] += 1
        st = kd.contexts[0].schemes[0].stats
        sz = st.sz_applied
        # each apply counts at most the bytes of the region it was tried on
        if st.sz_applied > st.sz_tried:
            self.beyond.append((self.action[i], st.sz_applied, st.sz_tried))
        if sz >= self.last.get(i, 0):
            self.applied[self.action[i]] += sz - self.last.get(i, 0)
        self.last[i] = sz

    def tried_regions(self, i):
        kd = self.kdamonds.kdamonds[i]
        if kd.update_schemes_tried_regions() is None:
            self.nr['tried_regions reads'] += 1
            self.nr['tried regions'] += sum(
                    len(s.tried_regions) for s in kd.contexts[0].schemes)

    def round(self, name, tmpfs, workdir):
        configure(name)
        pidfile = os.path.join(workdir, 'pids')
        proc = subprocess.Popen(
                ['./damos_stress', '-w', '%d' % procs, '%g' % seconds, pidfile,
                 tmpfs], stdout=subprocess.PIPE, text=True,
                start_new_session=True)
        try:
            return self.drive(proc, pidfile)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            for kd in self.kdamonds.kdamonds if self.kdamonds else []:
                if kd is not None:
                    kd.stop()

    def drive(self, proc, pidfile):
        def pids():
            try:
                with open(pidfile) as fd:
                    return [int(w) for w in fd.read().split()]
            except (OSError, ValueError):
                return []

        while proc.poll() is None and not pids():
            time.sleep(0.05)
        self.kdamonds = _damon_sysfs.Kdamonds([])
        self.kdamonds.kdamonds = [None, None, None]
        err = _damon_sysfs.write_file(os.path.join(
            self.kdamonds.sysfs_dir(), 'nr_kdamonds'), '3')
        if err is not None:
            print('cannot set up three kdamonds (%s): is a kdamond of '
                  'another program on?' % err)
            return 1
        # The first workers wait, their memory set up, until both kdamonds
        # are on: starting one takes seconds under KASAN, longer than some
        # workers live.
        # One kdamond splits and the other collapses from the start, so
        # that even a short round has both.
        for i, action in enumerate(['split', 'collapse']):
            self.start(i, pids(), action)
        self.start_paddr()
        # and one online commit while all targets live
        if self.state(0) == 'on':
            self.commit(0, pids())
        proc.send_signal(signal.SIGUSR1)
        next_offon = time.time() + 2
        while proc.poll() is None:
            time.sleep(random.uniform(0.05, 0.3))
            live = pids()
            if not live:
                continue
            i = random.randrange(2)
            if self.state(i) != 'on':
                # all its targets exited
                if self.start(i, live):
                    self.nr['restarts'] += 1
                continue
            r = random.random()
            if r < 0.1 and self.state(2) == 'on':
                # the paddr kdamond: a new order, or off and on
                kd = self.kdamonds.kdamonds[2]
                self.read_stats(2)
                if random.random() < 0.5:
                    kd.stop()
                    if self.start_paddr():
                        self.nr['off/on'] += 1
                else:
                    kd.contexts[0].schemes[0].target_order = \
                        random.choice(self.orders['split'])
                    if kd.commit() is None:
                        self.nr['commits'] += 1
                continue
            if time.time() > next_offon:
                self.read_stats(i)
                self.kdamonds.kdamonds[i].stop()
                if self.start(i, live):
                    self.nr['off/on'] += 1
                next_offon = time.time() + random.uniform(3, 8)
            elif r < 0.6:
                self.commit(i, live)
            elif r < 0.85:
                self.read_stats(i)
            else:
                self.tried_regions(i)
            # What each scheme applied, before its kdamond stops when its
            # targets exit (its stats cannot be read then).
            for j in range(2):
                if j != i and self.state(j) == 'on':
                    self.read_stats(j)
        for i in range(3):
            if self.kdamonds.kdamonds[i] is not None:
                self.read_stats(i)
        out = proc.stdout.read().strip()
        print('# %s' % out)
        return proc.returncode

def main():
    f.require_thp()
    # The commits and reads must keep their pace beside the load.
    os.nice(-10)
    if not os.path.exists('./damos_stress'):
        f.skip('damos_stress not built')
    f.set_thp('khugepaged/scan_sleep_millisecs', '10')
    f.set_thp('khugepaged/alloc_sleep_millisecs', '10')
    workdir = tempfile.mkdtemp(prefix='damos_stress.')
    tmpfs = os.path.join(workdir, 'tmpfs')
    os.mkdir(tmpfs)
    if subprocess.call(['mount', '-t', 'tmpfs', '-o', 'huge=always',
                        'damos_stress', tmpfs]) != 0:
        f.skip('cannot mount a tmpfs with huge=always')
    global seconds
    if seconds < min_seconds:
        print('# DAMOS_STRESS_SECONDS=%g is below %d: rounds of %d s' %
              (seconds, min_seconds, min_seconds))
        seconds = min_seconds
    ok = True
    stress = Stress()
    orphans = lru_orphans()
    t0 = time.time()
    try:
        names = ['pmd', 'mthp', 'mixed']
        for k in range(rounds):
            name = names[k % len(names)]
            print('# round %d: %s, %g s, %d processes' %
                  (k + 1, name, seconds, procs))
            rc = stress.round(name, tmpfs, workdir)
            if rc != 0:
                print('round %s: damos_stress exited %d' % (name, rc))
                ok = False
    finally:
        subprocess.call(['umount', tmpfs])
        shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.time() - t0
    # Leaked folio references: no sanitizer reports them.  Give the
    # exited workers' memory a moment to be freed.
    for _ in range(10):
        leaked = (lru_orphans() - orphans) * f.page_size
        if leaked <= max_leak:
            break
        time.sleep(1)
    print('# anonymous LRU memory nobody maps or caches: %+d KiB since the '
          'start' % (leaked >> 10))
    if leaked > max_leak:
        print('%d KiB of anonymous memory leaked (more than %d KiB)' %
              (leaked >> 10, max_leak >> 10))
        ok = False
    print('# %.0f s under load; %s; bytes applied: %s' %
          (elapsed, ', '.join('%s %d' % kv for kv in stress.nr.items()),
           ', '.join('%s %d' % kv for kv in stress.applied.items())))
    for err, nr in stress.refusals.items():
        print('# %d kdamond starts refused: %s' % (nr, err))
    for action, applied, tried in stress.beyond:
        print('%s: sz_applied %d above sz_tried %d' % (action, applied, tried))
        ok = False
    if not stress.nr['commits']:
        print('no online commit went through')
        ok = False
    for action, sz in stress.applied.items():
        if not sz:
            print('%s applied to nothing' % action)
            ok = False
    print('ok' if ok else 'FAIL')
    exit(0 if ok else 1)

if __name__ == '__main__':
    main()
