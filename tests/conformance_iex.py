#!/usr/bin/env python3
"""The conformance cases whose original test ran a code string through Invoke-Expression
(`iex_inlined` in the corpus), run again through Invoke-Expression (issue 12, docs/conformance.md).

The corpus inlines those strings; here each case's whole script is read from a file and run
with `Invoke-Expression (Get-Content -Raw FILE)` in a fresh `ccrsh -NoProfile -NonInteractive
-c` process, judged as the corpus runner judges it (last non-empty line `PASS`, no `FAIL`
line). A case counts as a difference when it passes run directly (the runner's per-case
results) and fails through Invoke-Expression.

Usage: python3 tests/conformance_iex.py CCRSH DIRECT_RESULTS.jsonl [--filter Language/Parser]
       [--cases ../shared/conformance/pester/cases.jsonl]  (the corpus beside the repository)
"""
import argparse, json, os, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor

CORPUS = os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'conformance', 'pester')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('ccrsh')
    ap.add_argument('direct', help='the corpus runner\'s per-case results for the same binary')
    ap.add_argument('--cases', default=os.path.join(CORPUS, 'cases.jsonl'))
    ap.add_argument('--filter', default='Language/')
    ap.add_argument('--jobs', type=int, default=2)
    a = ap.parse_args()
    direct = {}
    for line in open(a.direct, encoding='utf-8'):
        r = json.loads(line)
        direct[r['id']] = r['status']
    cases = [json.loads(l) for l in open(a.cases, encoding='utf-8') if l.strip()]
    cases = [c for c in cases if c.get('iex_inlined') and not c.get('skip') and a.filter in c['file']]
    work = tempfile.mkdtemp(prefix='ccrsh-iex-')

    def once(case):
        path = os.path.join(work, case['id'] + '.ps1')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(case['script'])
        env = dict(os.environ, NO_COLOR='1', CCRSH_LAB=os.path.join(work, 'lab-' + case['id']))
        command = "Invoke-Expression (Get-Content -Raw -LiteralPath '%s')" % path
        try:
            p = subprocess.run([a.ccrsh, '-NoProfile', '-NonInteractive', '-c', command],
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
            lines = [l for l in p.stdout.decode('utf-8', 'replace').splitlines() if l.strip()]
            ok = bool(lines) and lines[-1].strip() == 'PASS' and not any(l.lstrip().startswith('FAIL') for l in lines)
        except subprocess.TimeoutExpired:
            ok = False
        return ok

    # A failure is run once more, alone in its process as before: on a loaded machine a case
    # can miss its 20 s; one that passes the second time is reported as a retry.
    def run(case):
        if once(case):
            return case['id'], True
        ok = once(case)
        if ok:
            retried.append(case['id'])
        return case['id'], ok

    retried = []

    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        results = list(ex.map(run, cases))
    through_iex = sum(ok for _, ok in results)
    passing_direct = [i for i, _ in results if direct.get(i) == 'pass']
    lost = [i for i, ok in results if not ok and direct.get(i) == 'pass']
    gained = [i for i, ok in results if ok and direct.get(i) != 'pass']
    print(f'{len(results)} cases with an inlined Invoke-Expression string under {a.filter!r}')
    print(f'run directly: {len(passing_direct)} pass; through Invoke-Expression: {through_iex} pass')
    print(f'pass directly but fail through Invoke-Expression: {len(lost)} {lost}')
    print(f'fail directly but pass through Invoke-Expression: {len(gained)} {gained}')
    print(f'passed on the second run: {len(retried)} {retried}')
    return 1 if lost else 0


if __name__ == '__main__':
    sys.exit(main())
