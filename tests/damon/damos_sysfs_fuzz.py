#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
'''
Random and adversarial writes to a running scheme's target_order and action
files and commits of every action/order pair, on a vaddr and a paddr
kdamond, and commits racing with the exit of the vaddr target while the
paddr one splits.

Every write is checked against a model of the kernel's parsers (kstrtouint()
with base 0 for target_order, up to MAX_PAGE_ORDER; sysfs_streq() against the
action names for action): a write the model refuses must fail with EINVAL
and leave the file as it was, one it accepts must show in the file. Every
commit is checked against the orders each action takes (collapse: the
anonymous mTHP orders and the PMD order; split: below the PMD order; others:
any): a refused one must fail with EINVAL and leave the running kdamond's
scheme (read with drgn, when it is installed) as it was.

DAMOS_FUZZ_WRITES (default 2000) sets the number of random writes.
'''

import errno
import os
import random
import signal
import subprocess
import time

import _damon_ext as f
import _damon_sysfs
import sysfs as damon_sysfs_test

nr_writes = int(os.environ.get('DAMOS_FUZZ_WRITES', '2000'))
actions = ['willneed', 'cold', 'pageout', 'hugepage', 'nohugepage',
           'lru_prio', 'lru_deprio', 'migrate_hot', 'migrate_cold',
           'collapse', 'split', 'stat']

def max_page_order():
    with open('/proc/buddyinfo') as fd:
        return len(fd.readline().split()) - 5

def kstrtouint0(data, limit):
    '''The value kstrtouint(data, 0) gives, if it is <= limit, else None.'''
    s = data.split(b'\0')[0].decode('latin-1')
    if s.startswith('+'):
        s = s[1:]
    if s.endswith('\n'):
        s = s[:-1]
    if s[:2].lower() == '0x' and len(s) > 2:
        digits, base = s[2:], 16
    elif s.startswith('0'):
        digits, base = s, 8
    else:
        digits, base = s, 10
    valid = '0123456789abcdef'[:base]
    if not digits or any(c not in valid for c in digits.lower()):
        return None
    value = int(digits, base)
    return value if value < 2 ** 32 and value <= limit else None

def streq_action(data):
    s = data.split(b'\0')[0].decode('latin-1')
    if s.endswith('\n'):
        s = s[:-1]
    return s if s in actions else None

def adversarial():
    yield from [b'', b'\n', b' ', b'\t4', b' 4', b'4 ', b'4\n\n', b'+4',
                b'++4', b'-0', b'-4', b'0x4', b'0X4', b'0x', b'04', b'08',
                b'010', b'0b1', b'4\0', b'4\0junk', b'\0' b'4', b'1e1',
                b'4.0', b'4294967295', b'4294967296', b'4294967300',
                b'18446744073709551615', b'18446744073709551616',
                b'0x100000004', b'9' * 4000, b'x' * 4000, b'4' + b' ' * 3000,
                b'0' * 3000 + b'4', 'é'.encode(), b'\xff', b'4\r\n']

def random_input():
    kind = random.random()
    if kind < 0.3:
        return ('%d' % random.randrange(-20, 40)).encode() + \
            random.choice([b'', b'\n', b' ', b'\0'])
    if kind < 0.5:
        return random.choice([b'0x', b'0', b'+', b'']) + \
            ('%x' % random.getrandbits(random.choice([4, 8, 32, 33, 64, 65]))
             ).encode()
    if kind < 0.7:
        return random.choice(actions).encode() + random.choice(
                [b'', b'\n', b'\n\n', b' ', b'\0x', b'x'])
    return bytes(random.getrandbits(8) for _ in range(random.randrange(12)))

def write_raw(path, data):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, data)
        return None
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)

def fuzz_file(path, parse, data, show, tally):
    before = f.read(path)
    expect = parse(data)
    err = write_raw(path, data)
    after = f.read(path)
    tally['writes'] += 1
    if not data:
        # sysfs passes no empty write to the store method: 0 bytes written
        if err is not None or after != before:
            print('%s: empty write: errno %s, %r -> %r' %
                  (os.path.basename(path), err, before, after))
            return False
        return True
    if expect is None:
        tally['bad inputs'] += 1
        if err != errno.EINVAL or after != before:
            print('%s: write %r: errno %s (want EINVAL), %r -> %r' %
                  (os.path.basename(path), data[:40], err, before, after))
            return False
        return True
    if err is not None or after != show(expect):
        print('%s: write %r: errno %s, %r -> %r (want %r)' %
              (os.path.basename(path), data[:40], err, before, after,
               show(expect)))
        return False
    return True

def running_scheme(kdamond):
    '''(action, target_order) of the running scheme, by drgn, or None.'''
    status, err = damon_sysfs_test.dump_damon_status_dict(kdamond.pid)
    if status is None:
        return None
    s = status['contexts'][0]['schemes'][0]
    return s['action'], s['target_order']

def fuzz_scheme(kdamond, pmd, max_order, anon, nr, tally):
    '''Parts 1 and 2 on the running scheme 0 of kdamond: random and
    adversarial writes, then commits of every action/order pair.  Leaves
    collapse at the PMD order running.  Returns whether all went as the
    model says, and the paths of the scheme's action and target_order
    files.'''
    ok = True
    sdir = kdamond.contexts[0].schemes[0].sysfs_dir()
    order_path = os.path.join(sdir, 'target_order')
    action_path = os.path.join(sdir, 'action')
    running = running_scheme(kdamond)
    print('# drgn: %s' % ('running scheme %s' % (running,) if running
                          else 'not available, sysfs checks only'))

    # 1. writes: target_order and action files of the running scheme
    inputs = list(adversarial()) + [random_input() for _ in range(nr)]
    for data in inputs:
        ok &= fuzz_file(order_path,
                        lambda d: kstrtouint0(d, max_order), data,
                        lambda v: '%d' % v, tally)
        ok &= fuzz_file(action_path, streq_action, data,
                        lambda v: v, tally)
    if f.read(os.path.join(kdamond.sysfs_dir(), 'state')) != 'on':
        print('kdamond stopped by the writes')
        ok = False

    # 2. commits of every action and order: the valid ones go through;
    # then, with collapse at the PMD order running (as at the start),
    # every invalid one is refused and the running scheme stays.  (One
    # drgn look for all of them: drgn takes tens of seconds under TCG.)
    invalid = []
    state = os.path.join(kdamond.sysfs_dir(), 'state')
    for action in ['collapse', 'split', 'pageout', 'stat']:
        for order in range(max_order + 1):
            if action == 'collapse':
                valid = order == pmd or order in anon
            elif action == 'split':
                valid = order < pmd
            else:
                valid = True
            if not valid:
                invalid.append((action, order))
                continue
            f.write(action_path, action)
            f.write(order_path, '%d' % order)
            err = write_raw(state, b'commit')
            tally['commits'] += 1
            if err is not None:
                print('commit %s order %d: errno %d' %
                      (action, order, err))
                ok = False
    f.write(action_path, 'collapse')
    f.write(order_path, '%d' % pmd)
    if write_raw(state, b'commit') is not None:
        print('commit collapse order %d failed' % pmd)
        ok = False
    for action, order in invalid:
        f.write(action_path, action)
        f.write(order_path, '%d' % order)
        err = write_raw(state, b'commit')
        tally['commits'] += 1
        tally['refused commits'] += 1
        if err != errno.EINVAL:
            print('commit %s order %d: errno %s, want EINVAL' %
                  (action, order, err))
            ok = False
    if not invalid:
        print('no invalid action/order pair to try')
        ok = False
    if running is not None and running_scheme(kdamond) != running:
        print('refused commits %s changed the running scheme: %s -> %s'
              % (invalid, running, running_scheme(kdamond)))
        ok = False
    if f.read(state) != 'on':
        print('kdamond stopped by the commits')
        ok = False

    return ok, action_path, order_path

def main():
    f.require_thp()
    pmd = f.pmd_order()
    max_order = max_page_order()
    anon = [(int(d[len('hugepages-'):-2]) * 1024 //
             f.page_size).bit_length() - 1 for d in f.size_dirs()
            if os.path.exists(os.path.join(f.thp_dir, d, 'enabled'))]
    target = subprocess.Popen(['sleep', '1000'])
    ok = True
    tally = {'writes': 0, 'bad inputs': 0, 'commits': 0,
             'refused commits': 0, 'racing commits': 0,
             'racing commits refused': 0}
    # and a paddr kdamond on the last 64 MiB of System RAM, whose split
    # walks the PFNs of memory that the other parts free and reuse (small,
    # so that its applies, under KASAN too, keep commits waiting briefly)
    lo, hi = f.system_ram()
    lo = max(lo, hi - (64 << 20))
    kdamonds = _damon_sysfs.Kdamonds([_damon_sysfs.Kdamond(
        contexts=[_damon_sysfs.DamonCtx(
            ops=ops,
            monitoring_attrs=_damon_sysfs.DamonAttrs(
                intervals_goal=_damon_sysfs.IntervalsGoal()),
            targets=[_damon_sysfs.DamonTarget(pid=target.pid)
                     if ops == 'vaddr' else _damon_sysfs.DamonTarget(
                         pid=0, regions=[(lo, hi)])],
            # (each its own parts: the constructors share their defaults)
            # (paddr: applied once a second, as its actions walk RAM)
            schemes=[_damon_sysfs.Damos(
                action='collapse', target_order=pmd,
                apply_interval_us=0 if ops == 'vaddr' else 1000000,
                access_pattern=_damon_sysfs.DamosAccessPattern(),
                quota=_damon_sysfs.DamosQuota(),
                watermarks=_damon_sysfs.DamosWatermarks(),
                dests=_damon_sysfs.DamosDests())])])
        for ops in ['vaddr', 'paddr']])
    try:
        err = kdamonds.start()
        if err is not None:
            print('kdamond start failed: %s' % err)
            exit(1)
        kdamond = kdamonds.kdamonds[0]
        ok, action_path, order_path = fuzz_scheme(
                kdamond, pmd, max_order, anon, nr_writes, tally)
        # the same on the paddr kdamond, then its split to order 0 runs
        # through part 3
        pa = kdamonds.kdamonds[1]
        pa_ok, pa_action, pa_order = fuzz_scheme(
                pa, pmd, max_order, anon, nr_writes // 20, tally)
        ok &= pa_ok
        f.write(pa_action, 'split')
        f.write(pa_order, '0')
        if write_raw(os.path.join(pa.sysfs_dir(), 'state'),
                     b'commit') is not None:
            print('paddr: commit split order 0 failed')
            ok = False

        # 3. commits racing with the exit of a second target (the first
        # stays, so the kdamond keeps running)
        f.write(action_path, 'split')
        f.write(order_path, '0')
        tdir = os.path.join(kdamond.contexts[0].sysfs_dir(), 'targets')
        # (writing nr_targets makes all target directories anew)
        f.write(os.path.join(tdir, 'nr_targets'), '2')
        f.write(os.path.join(tdir, '0', 'pid_target'), '%d' % target.pid)
        tpath = os.path.join(tdir, '1', 'pid_target')
        for k in range(60):
            if f.read(os.path.join(kdamond.sysfs_dir(), 'state')) != 'on':
                break
            t = subprocess.Popen(['sleep', '1000'])
            f.write(tpath, '%d' % t.pid)
            # 0: exited and reaped before the commit (its pid is gone);
            # 1: killed just before it; 2: killed just after it
            if k % 3 < 2:
                t.send_signal(signal.SIGKILL)
            if k % 3 == 0:
                t.wait()
            err = write_raw(os.path.join(kdamond.sysfs_dir(), 'state'),
                            b'commit')
            tally['racing commits'] += 1
            if err is not None:
                tally['racing commits refused'] += 1
            if k % 3 == 0 and err != errno.EINVAL:
                print('commit of a reaped target: errno %s, want EINVAL' %
                      err)
                ok = False
            if k % 3 == 2 and err is not None:
                print('commit of a live target: %s' % os.strerror(err))
                ok = False
            t.send_signal(signal.SIGKILL)
            t.wait()
            time.sleep(random.uniform(0, 0.05))
        if f.read(os.path.join(kdamond.sysfs_dir(), 'state')) != 'on':
            print('kdamond stopped while its first target lives')
            ok = False
        if f.read(os.path.join(pa.sysfs_dir(), 'state')) != 'on':
            print('paddr kdamond stopped')
            ok = False
    finally:
        kdamonds.stop()
        target.kill()
        target.wait()
    print('# %s' % ', '.join('%s %d' % kv for kv in tally.items()))
    print('ok' if ok else 'FAIL')
    exit(0 if ok else 1)

if __name__ == '__main__':
    main()
