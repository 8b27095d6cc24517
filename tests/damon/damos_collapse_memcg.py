#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
'''
DAMOS_COLLAPSE for a process whose memory cgroup is at its limit fails
quietly: it never invokes the OOM killer, and it stops at the first failed
charge of an apply, so it makes few attempts per apply instead of one per
chunk.

The target has 64 MiB of base pages in its own memcg, whose memory.max is
set 1 MiB below its usage (with memory.swap.max 0, so that reclaim cannot
make room; the target is unkillable while the limit is lowered), so every
charge for the memcg fails; a collapse scheme at order 2 (not a costly
order: a charge failure there invokes the memcg OOM killer unless the
collapse asks it not to) runs ten apply rounds:
- unkillable target (oom_score_adj -1000): memory.events shows no "oom"
  and at most four "max" events per region tried;
- killable target: it is alive afterwards, with its contents, and
  memory.events shows no "oom_kill".
'''

import os
import time

import _damon_ext as f

cgroot = '/sys/fs/cgroup'
order = 2

def events(cg):
    with open(os.path.join(cg, 'memory.events')) as fd:
        return dict((k, int(v)) for k, v in
                    (line.split() for line in fd))

def run(name, oom_score_adj):
    cg = os.path.join(cgroot, 'damos_collapse_memcg')
    os.mkdir(cg)
    mem = None
    try:
        def enter():
            f.write(os.path.join(cg, 'cgroup.procs'), '0')
            f.write('/proc/self/oom_score_adj', '-1000')
        mem = f.FolioMem(64 << 10, 'anon', preexec=enter)
        # Over its limit, with nothing to reclaim: lowering memory.max
        # below the usage finds nothing to reclaim or kill, and leaves it
        # so.  Every charge for the memcg fails from now on.
        f.write(os.path.join(cg, 'memory.swap.max'), '0')
        usage = int(f.read(os.path.join(cg, 'memory.current')))
        f.write(os.path.join(cg, 'memory.max'), str(usage - (1 << 20)))
        if int(f.read(os.path.join(cg, 'memory.current'))) <= usage - (1 << 20):
            print('%s: memory.current went below memory.max' % name)
            return False
        f.write('/proc/%d/oom_score_adj' % mem.pid, str(oom_score_adj))
        before = events(cg)
        kdamonds = f.start_scheme(mem, 'collapse', order, 200000)
        try:
            nr_regions = len(
                kdamonds.kdamonds[0].contexts[0].targets[0].regions)
            st = f.wait_tried(kdamonds.kdamonds[0], 10 * nr_regions,
                              timeout=300)
        finally:
            t0 = time.time()
            kdamonds.stop()
            stop_s = time.time() - t0
        after = events(cg)
        delta = dict((k, after[k] - before.get(k, 0)) for k in after)
        alive = mem.proc.poll() is None
        print('%s: %d regions tried, sz_applied %d, memory.events %s, '
              'target %s, "off" took %.2f s' %
              (name, st.nr_tried, st.sz_applied,
               ' '.join('%s +%d' % kv for kv in sorted(delta.items())),
               'alive' if alive else 'dead', stop_s))
        ok = st.nr_tried >= 10 * nr_regions and st.sz_applied == 0
        ok = ok and delta['oom'] == 0 and delta['oom_kill'] == 0
        ok = ok and delta['max'] <= 4 * st.nr_tried
        ok = ok and alive and mem.check()
        print('%s: %s' % (name, 'ok' if ok else 'FAIL'))
        return ok
    finally:
        if mem is not None:
            if mem.proc.poll() is None:
                mem.proc.kill()
            mem.proc.wait()
        os.rmdir(cg)

def main():
    f.require_thp()
    controllers = f.read(os.path.join(cgroot, 'cgroup.controllers')).split()
    if 'memory' not in controllers:
        f.skip('no memory cgroup controller at %s' % cgroot)
    subtree = os.path.join(cgroot, 'cgroup.subtree_control')
    if 'memory' not in f.read(subtree).split():
        f.write(subtree, '+memory')
    f.anon_thp_never()
    f.exit_results([run('unkillable target at its memcg limit', -1000),
                    run('killable target at its memcg limit', 0)])

if __name__ == '__main__':
    main()
