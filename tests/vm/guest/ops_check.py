#!/usr/bin/python3
"""Checks of tests/vm/guest/ops, with real parsers.

  ops_check.py svg FILE HOT_LO HOT_HI
      FILE is well-formed SVG (xml.etree); its heat-map cells have data;
      the three rows with the most hint faults lie inside [HOT_LO, HOT_HI)
      (mostly: see inside());
      the residency panel has pages on at least two nodes.
  ops_check.py json FILE PID HOT_LO HOT_HI
      FILE is report --json's one object for PID: each row's faults by
      interval add up to its total, and its hottest row lies (mostly) in
      the hot range.
  ops_check.py prom FILE STATUS_JSON exact|file
      FILE parses with prometheus_client's text parser and its values equal
      those of `status --json`, taken with the workload and the daemon
      stopped. "file" is the daemon's --metrics-file of its last interval:
      the daemon may have been stopped in the middle of the next one, so the
      kernel's migration counters may only have grown since, and page_heat's
      momentary gauges are not compared.
"""
import json
import sys
import xml.etree.ElementTree as ET

from prometheus_client.parser import text_string_to_metric_families

SVG = "{http://www.w3.org/2000/svg}"


def inside(a, b, lo, hi):
    """Whether most of row [a, b) lies in [lo, hi). Rows split the pages
    seen into equal parts, so with a few pages outside the workload (4099
    seen, 65 a row) one row holds the hot range's last pages and the next
    cold ones: 57 of its 65 pages are hot, and it may be among the hottest."""
    return 2 * (min(b, hi) - max(a, lo)) > b - a


def check_svg(path, lo, hi):
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg", f"root element is {root.tag}, not svg"
    rows = {}
    cols = set()
    for r in root.iter(SVG + "rect"):
        if r.get("class") != "cell":
            continue
        key = int(r.get("data-row"))
        cols.add(int(r.get("data-col")))
        lo_r, hi_r = int(r.get("data-lo"), 16), int(r.get("data-hi"), 16)
        s = rows.setdefault(key, [lo_r, hi_r, 0])
        s[2] += int(r.get("data-faults"))
    assert len(cols) >= 5, f"only {len(cols)} intervals in the heat map"
    assert len(rows) >= 8, f"only {len(rows)} address rows"
    top = sorted(rows.items(), key=lambda kv: -kv[1][2])[:3]
    print(f"# {len(cols)} intervals x {len(rows)} rows; hottest rows:")
    for k, (a, b, f) in top:
        print(f"#   row {k}: {a:#x}-{b:#x} {f} faults")
    total = sum(v[2] for v in rows.values())
    hot = sum(v[2] for v in rows.values() if inside(v[0], v[1], lo, hi))
    print(f"# faults in rows (mostly) inside the hot range: {hot} of {total}")
    for k, (a, b, f) in top:
        assert f > 0, "the hottest rows have no faults"
        assert inside(a, b, lo, hi), f"hot row {k} {a:#x}-{b:#x} outside {lo:#x}-{hi:#x}"
    nodes = {r.get("data-node") for r in root.iter(SVG + "rect") if r.get("class") == "res"}
    assert len(nodes) >= 2, f"residency shows nodes {nodes}, want two tiers"


def check_json(path, pid, lo, hi):
    d = json.load(open(path))
    assert d["pid"] == pid, f"pid {d['pid']}, want {pid}"
    assert d["svg"].endswith("report.svg"), d["svg"]
    assert d["intervals"] == len(d["t"]) > 0 and d["rows"], d["intervals"]
    assert all(len(r["by_interval"]) == d["intervals"] and sum(r["by_interval"]) == r["faults"]
               for r in d["rows"]), "a row's faults by interval do not add up"
    assert all(len(v) == d["intervals"] for v in d["resident"].values()), "residency columns"
    h = d["rows"][d["hottest_row"]]
    print(f"# hottest row {h['start']:#x}-{h['end']:#x}: {h['faults']} faults")
    assert inside(h["start"], h["end"], lo, hi), f"hottest row outside {lo:#x}-{hi:#x}"


def check_prom(path, status_path, mode):
    text = open(path).read()
    st = json.load(open(status_path))
    v = {}
    labels = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            v[(s.name, tuple(sorted(s.labels.items())))] = s.value
            labels.setdefault(s.name, []).append(s.labels)
    print(f"# {path}: {len(v)} samples")

    def get(name, **lab):
        key = (name, tuple(sorted(lab.items())))
        assert key in v, f"{name}{lab} missing"
        return v[key]

    def eq(name, want, **lab):
        got = get(name, **lab)
        assert got == want, f"{name}{lab} = {got}, status --json says {want}"

    info = labels["pautonuma_info"][0]
    assert int(info["loader_pid"]) == st["loader_pid"], "loader_pid differs"
    assert info["hook"] == st["hook"], "hook differs"
    eq("pautonuma_hint_faults_total", st["hint_faults"])
    eq("pautonuma_heat_full_total", st["heat_full"])
    eq("pautonuma_fault_ring_faults_total", st["ring_faults"])
    eq("pautonuma_fault_ring_lost_total", st["ring_lost"])
    eq("pautonuma_filter_exits_total", st["filter_exits"])
    eq("pautonuma_numa_task_moves_total", st["numa_task_moves"])
    eq("pautonuma_numa_task_swaps_total", st["numa_task_swaps"])
    for reason, r in st["migrations"].items():
        for res in ("succeeded", "failed"):
            if mode == "exact":
                eq("pautonuma_kernel_migrations_total", r[res], reason=reason, result=res)
            else:
                got = v.get(("pautonuma_kernel_migrations_total",
                             tuple(sorted({"reason": reason, "result": res}.items()))), 0)
                assert got <= r[res], f"migrations {reason} {res}: file {got} > live {r[res]}"
    if mode == "exact":
        eq("pautonuma_heat_pages", st["pages"])
        for p in st["pids"]:
            eq("pautonuma_process_heat_faults", p["faults"], pid=str(p["pid"]))
    d = st["daemon"]
    for name, key in [("daemon_cycles_total", "cycles"), ("promoted_pages_total", "promoted"), ("demoted_pages_total", "demoted"),
                      ("move_failed_pages_total", "failed"),
                      ("journal_batches_total", "batches"), ("journal_seq", "journal_seq"),
                      ("journal_open_batches", "journal_open"),
                      ("journal_records", "journal_records")]:
        eq("pautonuma_" + name, d[key])
    assert d["promoted"] > 0, "no promotions counted"
    nm = d["not_moved"]
    assert len(nm) == 6, f"not_moved has {sorted(nm)}"
    for reason, n in nm.items():
        eq("pautonuma_move_failed_reason_pages_total", n, reason=reason)
    assert sum(nm.values()) == d["failed"], f"not_moved {nm} does not add up to failed {d['failed']}"
    for p in d["processes"]:
        pid = str(p["pid"])
        eq("pautonuma_process_promoted_pages_total", p["promoted"], pid=pid)
        eq("pautonuma_process_demoted_pages_total", p["demoted"], pid=pid)
        eq("pautonuma_process_faults_total", p["faults"], pid=pid)
        eq("pautonuma_process_kernel_migrations_total", p["kernel_migrations"], pid=pid)
    print(f"# promoted {d['promoted']}, journal seq {d['journal_seq']}, "
          f"hint faults {st['hint_faults']}: equal in both")


def main():
    try:
        if sys.argv[1] == "svg":
            check_svg(sys.argv[2], int(sys.argv[3], 16), int(sys.argv[4], 16))
        elif sys.argv[1] == "json":
            check_json(sys.argv[2], int(sys.argv[3]), int(sys.argv[4], 16), int(sys.argv[5], 16))
        else:
            check_prom(sys.argv[2], sys.argv[3], sys.argv[4])
    except (AssertionError, KeyError, ValueError, ET.ParseError) as e:
        print(f"{sys.argv[1]} check failed: {type(e).__name__}: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
