#!/usr/bin/env python3
"""Check what make mail wrote (scripts/mail.sh): mail-check.py DIR IDENTITY
PLACEHOLDER.  Every patch is From the identity and ends its trailers with
its Signed-off-by; the placeholder identity is nowhere; each patch's To and
Cc name the lists of the files it touches (mm, DAMON, kselftest, doc) and
no list of files it does not touch; the cover letter's Cc is the union of
the patches' and it carries base-commit.  Prints one line per failure;
exit 1 if any."""
import email
import email.utils
import glob
import os
import re
import sys

LISTS = [  # (list, the paths that bring it in)
    ('linux-mm@kvack.org', r'^(mm/|include/linux/damon\.h|tools/testing/selftests/damon/|Documentation/(mm|admin-guide/mm)/|Documentation/ABI/testing/sysfs-kernel-mm-damon)'),
    ('damon@lists.linux.dev', r'^(mm/damon/|include/linux/damon\.h|tools/testing/selftests/damon/|Documentation/(mm|admin-guide/mm)/damon/|Documentation/ABI/testing/sysfs-kernel-mm-damon)'),
    ('linux-kselftest@vger.kernel.org', r'^tools/testing/selftests/'),
    ('linux-doc@vger.kernel.org', r'^Documentation/(?!ABI/)'),
]


def addrs(msg, field):
    return {a.lower() for _, a in email.utils.getaddresses(msg.get_all(field, []))}


def main():
    out, me, placeholder = sys.argv[1:4]
    fails = []
    files = sorted(glob.glob(os.path.join(out, '[0-9][0-9][0-9][0-9]-*.patch')))
    cover = [f for f in files if os.path.basename(f).startswith('0000-')]
    patches = [f for f in files if f not in cover]
    if len(cover) != 1 or not patches:
        sys.exit('mail-check: %s: want a cover letter and patches' % out)
    union = set()
    for p in patches:
        name = os.path.basename(p)
        text = open(p).read()
        msg = email.message_from_string(text)
        if email.utils.parseaddr(msg['From']) != email.utils.parseaddr(me):
            fails.append('%s: From is %r, not %r' % (name, msg['From'], me))
        if placeholder in text:
            fails.append('%s: still has the placeholder identity' % name)
        body = msg.get_payload()
        trailers = re.findall(r'^Signed-off-by: (.*)$', body.split('\n---\n')[0], re.M)
        if not trailers or trailers[-1] != me:
            fails.append('%s: last Signed-off-by is %r, not %r' % (name, trailers[-1:], me))
        touched = re.findall(r'^diff --git a/(\S+) ', body, re.M)
        got = addrs(msg, 'To') | addrs(msg, 'Cc')
        union |= got
        for lst, rx in LISTS:
            want = any(re.search(rx, f) for f in touched)
            if want and lst not in got:
                fails.append('%s: touches %s but does not Cc %s' % (name, ', '.join(touched), lst))
            if not want and lst in got:
                fails.append('%s: Cc %s, but touches none of its files' % (name, lst))
        if not addrs(msg, 'To'):
            fails.append('%s: no To' % name)
    c = email.message_from_string(open(cover[0]).read())
    cgot = addrs(c, 'To') | addrs(c, 'Cc')
    if cgot != union:
        fails.append('cover letter: To/Cc differ from the union of the patches\': '
                     'missing %s, extra %s' % (sorted(union - cgot), sorted(cgot - union)))
    if email.utils.parseaddr(c['From']) != email.utils.parseaddr(me):
        fails.append('cover letter: From is %r' % c['From'])
    if 'base-commit: ' not in c.get_payload():
        fails.append('cover letter: no base-commit')
    for f in fails:
        print('mail-check: ' + f)
    print('mail-check: %d patches and a cover letter: %s' %
          (len(patches), 'OK' if not fails else '%d failures' % len(fails)))
    sys.exit(1 if fails else 0)


main()
