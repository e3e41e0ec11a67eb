#!/usr/bin/env python3
"""Counts what a test runner executed, from its own structured output, for the test command's closing line.

    count-tests.py xunit FILE.xml      Swift Testing's --xunit-output (the *-swift-testing.xml file)
    count-tests.py unittest FILE.log   Python unittest's -v output

Prints "EXECUTED FAILED SKIPPED". A missing or unreadable file prints "0 1 0": a runner that wrote no results
(it crashed, or timed out) counts as one failure, never as nothing.
"""
import re
import sys
import xml.etree.ElementTree as ElementTree

kind, path = sys.argv[1], sys.argv[2]
try:
    if kind == "xunit":
        executed = failed = skipped = 0
        for suite in ElementTree.parse(path).getroot().iter("testsuite"):
            tests, skip = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
            executed += tests - skip
            skipped += skip
            failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    else:
        text = open(path, encoding="utf-8", errors="replace").read()
        ran = re.findall(r"^Ran (\d+) tests? in", text, re.M)
        if not ran:
            raise ValueError("no 'Ran N tests' line")
        result = re.findall(r"^(OK|FAILED)(?: \((.*)\))?$", text, re.M)
        if not result:
            raise ValueError("no result line")
        counts = dict(re.findall(r"(\w+)=(\d+)", result[-1][1] or ""))
        skipped = int(counts.get("skipped", 0))
        executed = int(ran[-1]) - skipped
        failed = int(counts.get("failures", 0)) + int(counts.get("errors", 0))
        if result[-1][0] == "FAILED" and failed == 0:
            failed = 1
    print(executed, failed, skipped)
except (OSError, ValueError, ElementTree.ParseError) as error:
    print(f"count-tests: {path}: {error}", file=sys.stderr)
    print(0, 1, 0)
