#!/usr/bin/env python3
"""Check a journal dump (pautonuma journal dump --json on stdin) after crash tests.

Usage: check_journal.py BATCHES RESOLUTION AT_DST ENOENT
  BATCHES     number of batches the test started (each wrote one BEGIN)
  RESOLUTION  COMMIT or RECOVERED: how every batch must have been resolved
  AT_DST, ENOENT  per-page counts every resolution must report
Prints one line of findings; exits 1 on the first violated invariant.
"""
import json
import sys


def fail(msg):
    print(msg)
    sys.exit(1)


def main():
    batches, resolution = int(sys.argv[1]), sys.argv[2]
    at_dst, enoent = int(sys.argv[3]), int(sys.argv[4])
    d = json.load(sys.stdin)
    if d["corrupt"]:
        fail("journal corrupt: %s" % d.get("error"))
    recs = d["records"]
    seqs = [r["seq"] for r in recs]
    # No record lost or duplicated: 1..N with nothing missing (the ring is
    # sized so that these tests never wrap).
    if seqs != list(range(1, len(seqs) + 1)):
        fail("sequence numbers not 1..%d: %s" % (len(seqs), seqs[:20]))
    if d["open"]:
        fail("batches still open: %s" % d["open"])
    begins = [r for r in recs if r["type"] == "BEGIN"]
    if len(begins) != batches:
        fail("%d BEGIN records, expected %d" % (len(begins), batches))
    resolved = {}
    for r in recs:
        if r["type"] in ("COMMIT", "ABORT", "RECOVERED"):
            if r["batch"] in resolved:
                fail("batch %d resolved twice (records %d and %d)"
                     % (r["batch"], resolved[r["batch"]]["seq"], r["seq"]))
            resolved[r["batch"]] = r
    for b in begins:
        r = resolved.get(b["seq"])
        if r is None:
            fail("batch %d never resolved" % b["seq"])
        if r["type"] != resolution:
            fail("batch %d resolved by %s, expected %s" % (b["seq"], r["type"], resolution))
        if r["type"] == "RECOVERED" and r["outcome"] != "rolled-forward":
            fail("batch %d: %s" % (b["seq"], r["outcome"]))
        if (r["at_dst"], r["enoent"]) != (at_dst, enoent):
            fail("batch %d: %d at node, %d not present; expected %d, %d"
                 % (b["seq"], r["at_dst"], r["enoent"], at_dst, enoent))
    print("%d records 1..%d, %d batches each resolved once by %s, %d at node / %d not present"
          % (len(recs), len(recs), batches, resolution, at_dst, enoent))


main()
