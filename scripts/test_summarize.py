#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of scripts/summarize.py on recorded logs (testdata/summarize/,
copied from real make test and make stress runs), like kunit.py's parser
tests: what each parser makes of a kselftest runner TAP with a timeout and a
crash, a run cut short, skips with and without reasons, nested KTAP, and
kunit.py's JSON with the skip reasons of its KTAP.  Run: python3
scripts/test_summarize.py (make test's harness suite runs it)."""
import contextlib
import io
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import summarize  # noqa: E402

DATA = os.path.join(HERE, 'testdata', 'summarize')


def data(name):
    return os.path.join(DATA, name)


class TapTest(unittest.TestCase):
    def test_timeout_and_crash(self):
        """make stress whose fuzz hit the runner's timeout, and whose
        stress then crashed: two failures, the crash's traceback kept."""
        res = summarize.parse_tap(data('stress-timeout.tap'))
        self.assertEqual([r[0] for r in res], ['FAIL', 'FAIL'])
        self.assertEqual(res[0][1], 'selftests: damon: damos_sysfs_fuzz.py')
        self.assertIn('TIMEOUT 900 seconds', res[0][2])
        self.assertIn('exit=1', res[1][2])
        self.assertIn('KeyError: 1', res[1][2])

    def test_skip_with_reason(self):
        """The damon-timing suite: a skip keeps the reason its TAP gives."""
        res = summarize.parse_tap(data('damon-timing.tap'))
        self.assertEqual([r[0] for r in res], ['SKIP', 'PASS'])
        self.assertIn('wss_estimation', res[0][1])
        self.assertIn('reconverges too slowly', res[0][2])

    def test_all_pass(self):
        """The damon suite of a make test: 24 programs, all passed."""
        res = summarize.parse_tap(data('damon.tap'))
        self.assertEqual(len(res), 24)
        self.assertEqual({r[0] for r in res}, {'PASS'})

    def test_run_cut_short(self):
        """A plan of 3 with one result: two missing results fail."""
        with tempfile.NamedTemporaryFile('w', suffix='.tap',
                                         delete=False) as f:
            f.write('TAP version 13\n1..3\nok 1 first\n')
        try:
            res = summarize.parse_tap(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual([r[0] for r in res], ['PASS', 'FAIL', 'FAIL'])
        self.assertIn('run ended early', res[1][2])

    def test_missing_file(self):
        res = summarize.parse_tap(data('no-such-file.tap'))
        self.assertEqual(res[0][:2], ('FAIL', '(no results)'))


class TapWriterTest(unittest.TestCase):
    def test_round_trip(self):
        """What the guest's runner writes (guest/tap.py) reads back as
        written: results, skip reasons, a failure with its output."""
        import tap
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'x.tap')
            t = tap.Tap(path, plan=4, echo=False)
            t.result(True, 'a')
            t.skip('b', 'no THP')
            t.comment('line one\nline two')
            t.result(False, 'c', 'exit=1')
            t.result(True, 'd', 'passed attempt 2 of 6')
            t.close()
            res = summarize.parse_tap(path)
            tap.write_failure(path, 'e', 'no results')
            res2 = summarize.parse_tap(path)
        self.assertEqual([r[0] for r in res], ['PASS', 'SKIP', 'FAIL', 'PASS'])
        self.assertEqual(res[1][2], 'no THP')
        self.assertIn('exit=1', res[2][2])
        self.assertIn('# line two', res[2][2])
        self.assertEqual(res[3][1], 'd [passed attempt 2 of 6]')
        self.assertEqual(res2, [('FAIL', 'e', 'no results')])


class KunitJsonTest(unittest.TestCase):
    def test_recorded(self):
        """The DAMON KUnit suites from a make test boot: the skip reasons
        come from the KTAP kept beside the JSON."""
        res = summarize.parse_kunit_json(data('kunit.json'))
        names = [r[1] for r in res]
        self.assertIn('damon.damon_test_split_at_collapse_chunks', names)
        self.assertIn('damon-paddr.damon_pa_test_split_at', names)
        self.assertFalse([r for r in res if r[0] == 'FAIL'])
        for st, name, why in res:
            if st == 'SKIP':
                self.assertNotEqual(why, 'no reason in the KTAP log', name)

    def test_unparsable(self):
        res = summarize.parse_kunit_json(data('stress-timeout.tap'))
        self.assertEqual(res[0][:2], ('FAIL', '(no results)'))


class MainTest(unittest.TestCase):
    def run_main(self, *args):
        """summarize.main() on args: (exit status, printed lines)."""
        out = io.StringIO()
        old = sys.argv
        sys.argv = ['summarize.py'] + list(args)
        try:
            with contextlib.redirect_stdout(out):
                rc = summarize.main()
        finally:
            sys.argv = old
        return rc, out.getvalue().splitlines()

    def test_last_line_and_status(self):
        rc, lines = self.run_main('stress=tap:' + data('stress-timeout.tap'),
                                  'timing=tap:' + data('damon-timing.tap'),
                                  'kunit=missing:guest did not boot')
        self.assertEqual(rc, 1)
        self.assertEqual(lines[-1], '1 passed, 3 failed, 1 skipped')
        # the failures again just above the last line, for logs that
        # keep only their tail
        self.assertEqual(lines[-4:-1], [
            'FAILED: stress: selftests: damon: damos_sysfs_fuzz.py',
            'FAILED: stress: selftests: damon: damos_stress.py',
            'FAILED: kunit: (suite did not run)'])

    def test_all_passed(self):
        rc, lines = self.run_main('kunit=kunit-json:' + data('kunit.json'))
        self.assertEqual(rc, 0)
        self.assertRegex(lines[-1], r'^\d+ passed, 0 failed')
        self.assertFalse([x for x in lines if x.startswith('FAILED')])


if __name__ == '__main__':
    unittest.main()
