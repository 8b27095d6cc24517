# SPDX-License-Identifier: GPL-2.0
"""TAP, written and read: the one module for both.

The guest's runner (guest/run_tests.py) writes each suite's results with
Tap; the host's summary (scripts/summarize.py) reads them, and the
kselftest runner's own output, with parse().  Both follow what
tools/testing/selftests/kselftest/runner.sh prints: "TAP version 13", a
plan "1..N", "ok N name" or "not ok N name", a directive after " # "
(SKIP reason, TIMEOUT, exit=N), and a program's own output as "# " lines.
"""
import re
import sys

TAP_RE = re.compile(r'^(not ok|ok)\s+(\d+)\s*-?\s*([^#]*?)\s*(?:#\s*(.*))?$')
NESTED_TOTALS_RE = re.compile(r'^#\s+# Totals: pass:(\d+) fail:(\d+) xfail:\d+ '
                              r'xpass:\d+ skip:(\d+) error:(\d+)')
NESTED_SKIP_RE = re.compile(r'^#\s+(?:not )?ok \d+.*# SKIP\s*(.*)$')


class Tap:
    """A TAP stream to a file, echoed to stdout (the guest's console)."""

    def __init__(self, path, plan=None, echo=True):
        self.f = open(path, 'w')
        self.echo = echo
        self.n = 0
        self.line('TAP version 13')
        if plan is not None:
            self.line('1..%d' % plan)

    def line(self, text):
        self.f.write(text + '\n')
        self.f.flush()
        if self.echo:
            print(text, flush=True)

    def plan(self, n):
        self.line('1..%d' % n)

    def comment(self, text):
        """Output of a program: every line as a "# " line."""
        for ln in text.rstrip('\n').split('\n') if text else []:
            self.line('# ' + ln)

    def result(self, passed, name, directive=''):
        self.n += 1
        self.line('%s %d %s%s' % ('ok' if passed else 'not ok', self.n, name,
                                  ' # ' + directive if directive else ''))

    def skip(self, name, why):
        self.result(True, name, 'SKIP ' + why)

    def close(self):
        self.f.close()


def write_failure(path, name, why):
    """A suite that gave no results: one failed test that says why."""
    t = Tap(path, plan=1, echo=False)
    t.result(False, name, why)
    t.close()


def parse(path):
    """Top-level TAP/KTAP results (run_kselftest.sh, Tap) as a list of
    (PASS|FAIL|SKIP, name, why).

    A program's own KTAP subtests (nested as "# " lines) are not counted as
    tests, but their totals and skip reasons are kept as a note, so a
    program that passes while skipping subtests says so.  A failure keeps
    the last lines its program printed; a run that ended before its plan
    was met fails the missing tests."""
    results, plan = [], None
    nested, skips, output = None, {}, []
    try:
        with open(path, errors='replace') as f:
            lines = f.read().splitlines()
    except OSError as e:
        return [('FAIL', '(no results)', str(e))]
    for line in lines:
        m = re.match(r'^1\.\.(\d+)', line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = NESTED_TOTALS_RE.match(line)
        if m:
            nested = [int(x) for x in m.groups()]
            continue
        m = NESTED_SKIP_RE.match(line)
        if m:
            skips[m.group(1).strip()] = skips.get(m.group(1).strip(), 0) + 1
            continue
        m = TAP_RE.match(line)
        if not m:
            if line.startswith('#'):
                output.append(line)
            continue
        ok, _num, name, directive = m.groups()
        directive = directive or ''
        if nested and nested[2]:
            name += ' [subtests: %d passed, %d skipped: %s]' % (
                nested[0], nested[2],
                '; '.join('%dx %s' % (v, k) for k, v in skips.items()))
        nested, skips = None, {}
        if directive.upper().startswith('SKIP'):
            results.append(('SKIP', name, directive[4:].strip() or
                            'test exited with ksft_skip (4)'))
        elif ok == 'ok' and directive:
            results.append(('PASS', name + ' [' + directive + ']', ''))
        elif ok == 'ok':
            results.append(('PASS', name, ''))
        else:
            # Keep the end of what the failing program printed, so that a
            # CI log that only shows this summary still says why.
            tail = [ln for ln in output if ln.strip('# ') and
                    not ln.startswith('# selftests: ')][-15:]
            results.append(('FAIL', name, directive +
                            ''.join('\n        ' + ln for ln in tail)))
        output = []
    if plan is not None and len(results) < plan:
        for i in range(plan - len(results)):
            results.append(('FAIL', '(missing result %d of %d)' %
                            (len(results) + 1, plan), 'run ended early'))
    if plan is None and not results:
        results.append(('FAIL', '(no results)', 'empty or unparsable ' + path))
    return results


if __name__ == '__main__':
    for r in parse(sys.argv[1]):
        print('%s %s%s' % (r[0], r[1], (': ' + r[2]) if r[2] else ''))
