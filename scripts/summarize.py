#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarize test results: per-suite counts, every failure and skip with its
reason, and a last line "N passed, N failed[, N skipped]".

Usage: summarize.py [--times FILE] SUITE=KIND:PATH ...
KIND is tap, kunit-json or missing ("missing" marks a suite that could not
run: counted as one failure).  FILE holds wall times, one
"STEP<TAB>PROGRAM<TAB>SECONDS" line each (PROGRAM empty for a whole step or
suite): they are printed as a column, a suite's time on its line, each
guest program's on its own line, and the steps without results (deps,
guests, total) at the end.
Exit status 1 when anything failed.
"""
import json
import os
import re
import sys

# TAP is read with the module the guest's runner writes it with.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'guest'))
from tap import parse as parse_tap  # noqa: E402


def parse_kunit_json(path):
    try:
        with open(path) as f:
            root = json.load(f)
    except (OSError, ValueError) as e:
        return [('FAIL', '(no results)', str(e))]
    results = []
    # Skip reasons, from the raw KTAP that scripts/kunit.sh keeps beside
    # the JSON ("ok N name # SKIP reason").
    reasons = {}
    try:
        with open(re.sub(r'\.json$', '', path) + '.ktap',
                  errors='replace') as f:
            for line in f:
                m = re.match(r'^\s*(?:not )?ok \d+ (\S+) # SKIP\s*(.*)$',
                             line)
                if m:
                    reasons[m.group(1)] = m.group(2).strip()
    except OSError:
        pass

    def walk(group, prefix):
        name = group.get('name', '')
        here = prefix + [name] if name and name != 'KUnit Test Group' else prefix
        for case in group.get('test_cases', []):
            st = case.get('status')
            full = '.'.join(here + [case['name']])
            why = '' if st == 'PASS' else st
            if st == 'SKIP':
                why = reasons.get(case['name'], 'no reason in the KTAP log')
            results.append(({'PASS': 'PASS', 'SKIP': 'SKIP'}.get(st, 'FAIL'),
                            full, why))
        for sub in group.get('sub_groups', []):
            walk(sub, here)
    walk(root, [])
    if not results:
        results.append(('FAIL', '(no results)', 'no test cases in ' + path))
    return results


def read_times(path):
    times = {}
    try:
        with open(path) as fd:
            for line in fd:
                f = line.rstrip('\n').split('\t')
                if len(f) == 3 and f[2].isdigit():
                    times[(f[0], f[1])] = times.get((f[0], f[1]), 0) + \
                        int(f[2])
    except OSError:
        pass
    return times


def fmt_time(sec):
    if sec is None:
        return '%8s' % ''
    if sec >= 60:
        return '%3d:%02d m' % (sec // 60, sec % 60)
    return '%6d s' % sec


def main():
    total = {'PASS': 0, 'FAIL': 0, 'SKIP': 0}
    argv = sys.argv[1:]
    times = {}
    while argv and argv[0] == '--times':
        times.update(read_times(argv[1]))
        argv = argv[2:]
    shown = set()
    failed = []
    if times:
        print('%-12s %-34s %8s' % ('suite', 'results', 'time'))
    for arg in argv:
        suite, spec = arg.split('=', 1)
        kind, path = spec.split(':', 1)
        if kind == 'tap':
            res = parse_tap(path)
        elif kind == 'kunit-json':
            res = parse_kunit_json(path)
        else:
            res = [('FAIL', '(suite did not run)', path)]
        c = {'PASS': 0, 'FAIL': 0, 'SKIP': 0}
        for st, _, _ in res:
            c[st] += 1
            total[st] += 1
        line = '%3d passed, %d failed' % (c['PASS'], c['FAIL'])
        if c['SKIP']:
            line += ', %d skipped' % c['SKIP']
        if times:
            shown.add(suite)
            line = '%-34s %s' % (line, fmt_time(times.get((suite, ''))))
        print('%-12s %s' % (suite + ':', line))
        matched = set()
        for st, name, why in res:
            # "name [directive]" -> the name the times file has
            key = (suite, re.sub(r' \[.*$', '', name))
            matched.add(key)
            t = times.get(key)
            col = fmt_time(t) + '  ' if times else ''
            if st == 'PASS' and ('[' in name or t is not None):
                print('    %sPASS %s' % (col, name))
            elif st != 'PASS':
                if st == 'FAIL':
                    failed.append('%s: %s' % (suite, name))
                print('    %s%s %s%s' % (col, st, name,
                                        (': ' + why) if why else ''))
        # timed programs whose TAP lines have other names (the demo's
        # checks come from one program run per backing)
        for (s_, prog), sec in sorted(times.items()):
            if s_ == suite and prog and (s_, prog) not in matched:
                print('    %s  RUN  %s' % (fmt_time(sec), prog))
    for (step, prog), sec in sorted(times.items(), key=lambda kv:
                                    kv[0][0] == 'total'):
        if not prog and step not in shown:
            print('%-12s %-34s %s' % (step + ':', 'wall time' if
                                      step == 'total' else '', fmt_time(sec)))
    # The failures again, last: a CI log that keeps only its tail (and a
    # reader of a long summary) still sees which checks failed.
    for name in failed:
        print('FAILED: %s' % name)
    line = '%d passed, %d failed' % (total['PASS'], total['FAIL'])
    if total['SKIP']:
        line += ', %d skipped' % total['SKIP']
    print(line)
    return 1 if total['FAIL'] else 0


if __name__ == '__main__':
    sys.exit(main())
