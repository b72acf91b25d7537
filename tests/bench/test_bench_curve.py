"""``make bench-curve``'s outputs from a fixed set of results: the markdown table (a row
per path, p50/p99/ratio per size, the load), the budgets at the largest size, and the SVG
chart (one small chart per path, its points where the figures say)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from bench import curve

NS = {"s": "http://www.w3.org/2000/svg"}


def _run(scale, profiles, base_rps, rows, load):
    results = [{"path": curve.BASELINE, "rps": base_rps, "p50_ms": 5.0, "p99_ms": 20.0,
                "baseline_rps": base_rps, "ratio": 1.0}]
    results += [{"path": p, "rps": base_rps * r, "p50_ms": p50, "p99_ms": p99, "ratio": r}
                for p, p50, p99, r in rows]
    return {"scale": scale, "sizes": {"profiles": profiles}, "seeded_seconds": 12.0,
            "load_average_before": load, "load_average_after": load, "results": results}


CURVE = {"when": "2026-12-06T10:00:00+00:00", "rounds": 3, "seconds": 2, "connections": 16,
         "runs": {
             "10k": _run("10k", 10_000, 1000, [("/username-check", 8.0, 30.0, 0.8),
                                               ("/members?q=<accented>", 20.0, 60.0, 0.5),
                                               ("/admin/users?q=", 30.0, 90.0, 0.4)],
                         [3.1, 3.0, 2.9]),
             "100k": _run("100k", 100_000, 900, [("/username-check", 8.5, 35.0, 0.75),
                                                 ("/members?q=<accented>", 40.0, 120.0, 0.3),
                                                 ("/admin/users?q=", 60.0, 180.0, 0.25)],
                          [4.0, 3.5, 3.0]),
             "1m": _run("1m", 1_000_000, 950, [("/username-check", 9.0, 45.0, 0.7),
                                               ("/members?q=<accented>", 90.0, 400.0, 0.1),
                                               ("/admin/users?q=", 40.0, 140.0, 0.31)],
                        [6.5, 5.0, 4.0])}}


def test_the_table_has_a_row_per_path_and_three_figures_per_size():
    md = curve.markdown(CURVE)
    lines = md.splitlines()
    header = next(line for line in lines if line.startswith("| path |"))
    assert header.count("p50 ") == 3 and "ratio 1m" in header
    row = next(line for line in lines if line.startswith("| `/members?q=<accented>`"))
    assert row.split(" | ")[1:] == ["20.0", "60.0", "0.50", "40.0", "120.0", "0.30", "90.0",
                                     "400.0", "0.10 |"]
    # the load of each size is recorded beside its baseline
    assert "| 1m | 1,000,000 | 12 s | 6.5 5.0 4.0 | 6.5 5.0 4.0 | 950 |" in md


def test_budgets_at_the_largest_size_are_named_met_or_missed():
    checks = {(c["path"], c["budget"]): (c["value"], c["met"]) for c in curve.budgets(CURVE)}
    assert checks["/username-check", "ratio ≥ 0.6"] == ("0.70", True)
    assert checks["/username-check", "p99 < 50 ms"] == ("45.0 ms", True)
    assert checks["/members?q=<accented>", "ratio ≥ 0.3"] == ("0.10", False)
    assert checks["/members?q=<accented>", "p99 < 150 ms"] == ("400.0 ms", False)
    assert checks["/members?q=<accented>", "p50 1m ≤ 1.5× p50 10k"] == ("4.50×", False)
    assert checks["/admin/users?q=", "ratio ≥ 0.3"] == ("0.31", True)
    assert checks["/admin/users?q=", "p50 1m ≤ 1.5× p50 10k"] == ("1.33×", True)
    assert not any(path == curve.BASELINE for path, _ in checks)
    md = curve.markdown(CURVE)
    assert "| `/members?q=<accented>` | ratio ≥ 0.3 | 0.10 | **missed** |" in md


def test_the_chart_has_one_panel_per_path_with_its_points_and_ratios():
    root = ET.fromstring(curve.svg(CURVE))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert "3 paths at 10k, 100k, 1m" in root.find("s:desc", NS).text
    panels = root.findall("s:g[@class='path']", NS)
    assert [p.find("s:title", NS).text for p in panels] == [
        "/username-check", "/members?q=<accented>", "/admin/users?q="]
    accented = panels[1]
    p50, p99 = (accented.find(f"s:polyline[@class='{k}']", NS) for k in ("p50", "p99"))
    ys = [float(pt.split(",")[1]) for pt in p50.get("points").split()]
    assert len(ys) == 3 and ys[0] > ys[1] > ys[2]  # slower at each size: higher on the chart
    assert len(p99.get("points").split()) == 3
    ratios = [t.text for t in accented.findall("s:text[@class='ratio']", NS)]
    assert ratios == ["×0.50", "×0.30", "×0.10"]
    tips = [c.find("s:title", NS).text for c in accented.findall("s:circle", NS)]
    assert "/members?q=<accented> p99 at 1m: 400.0 ms" in tips


def test_the_three_files_are_written_side_by_side(tmp_path):
    files = curve.write(CURVE, tmp_path, "20261206T100000Z")
    assert [f.name for f in files] == ["curve-20261206T100000Z.json", "curve-20261206T100000Z.md",
                                       "curve-20261206T100000Z.svg"]
    assert all(f.stat().st_size > 0 for f in files)
