"""``make bench-curve``: ``make bench`` at 10k, 100k and 1m builders one after the other (each
size in its own reused database), then one table and one SVG chart of every path's p50, p99
and ratio to ``/healthz`` at each size, and the budgets at the largest size.

Written under ``bench/results/``: ``curve-<UTC time>.json`` (every figure, the machine's load
before and after each size), ``curve-<UTC time>.md`` (the table and the budgets) and
``curve-<UTC time>.svg`` (the chart). The curve's paths and how each is measured are in
``bench/run.py`` (``CURVE_PATHS``); defaults here are 3 rounds of 2 s per path
(``BENCH_ROUNDS``, ``BENCH_SECONDS``), so the three sizes take about 20 minutes after seeding.
``BENCH_CURVE_SCALES=10k,100k`` measures fewer sizes.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from buildstory.admin.charts import nice_max  # noqa: E402

BASELINE = "/healthz (baseline)"
USERNAME = "/username-check"
ADMIN_SEARCH = "/admin/users?q="
# Budgets at the largest size: the username check and every page against /healthz measured
# back to back, p99 in ms, and p50 at the largest size over p50 at the smallest.
USERNAME_RATIO, USERNAME_P99 = 0.6, 50
PAGE_RATIO, PAGE_P99 = 0.3, 150
GROWTH = 1.5


def run_size(scale: str, out: Path) -> dict:
    """Run the bench at one size (seeding its database when needed); return its JSON."""
    env = dict(os.environ, SCALE=scale, BENCH_CURVE="1", BENCH_OUT=str(out),
               BENCH_SECONDS=os.environ.get("BENCH_SECONDS", "2"),
               BENCH_ROUNDS=os.environ.get("BENCH_ROUNDS", "3"))
    started = time.time()
    subprocess.run([sys.executable, str(ROOT / "bench" / "run.py")], env=env, cwd=ROOT)
    data = json.loads(out.read_text())
    data["wall_seconds"] = round(time.time() - started)
    return data


def by_path(run: dict) -> dict[str, dict]:
    return {r["path"]: r for r in run["results"]}


def paths_of(curve: dict) -> list[str]:
    """Every measured path, in the order of the first size's table."""
    seen: list[str] = []
    for run in curve["runs"].values():
        for r in run["results"]:
            if r["path"] not in seen:
                seen.append(r["path"])
    return seen


def budgets(curve: dict) -> list[dict]:
    """Every budget at the largest size: ``{path, budget, value, met}``."""
    scales = list(curve["runs"])
    if not scales:
        return []
    big, small = by_path(curve["runs"][scales[-1]]), by_path(curve["runs"][scales[0]])
    out = []
    for path, r in big.items():
        if path == BASELINE:
            continue
        ratio, p99 = r.get("ratio") or 0, r.get("p99_ms") or float("inf")
        need_ratio, need_p99 = ((USERNAME_RATIO, USERNAME_P99) if path == USERNAME
                                else (PAGE_RATIO, PAGE_P99))
        out.append({"path": path, "budget": f"ratio ≥ {need_ratio}", "value": f"{ratio:.2f}",
                    "met": ratio >= need_ratio})
        out.append({"path": path, "budget": f"p99 < {need_p99} ms", "value": f"{p99:.1f} ms",
                    "met": p99 < need_p99})
        if len(scales) > 1 and path in small and small[path].get("p50_ms"):
            growth = (r.get("p50_ms") or float("inf")) / small[path]["p50_ms"]
            out.append({"path": path, "budget": f"p50 {scales[-1]} ≤ {GROWTH}× p50 {scales[0]}",
                        "value": f"{growth:.2f}×", "met": growth <= GROWTH})
    return out


def _fmt(value, digits=1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(curve: dict) -> str:
    """The curve as a markdown table (a row per path, p50 / p99 / ratio per size), the
    load and settings of each size, and every budget at the largest size."""
    scales = list(curve["runs"])
    lines = [f"# Bench curve {curve['when']}", "",
             f"`make bench-curve`: {curve['rounds']} rounds of {curve['seconds']} s per path "
             f"(each round /healthz then the path, back to back; the median round), "
             f"{curve['connections']} connections, rate limits off.", "",
             "| size | profiles | seeded in | load before | load after | /healthz req/s |",
             "|---|---:|---:|---|---|---:|"]
    for scale in scales:
        run = curve["runs"][scale]
        base = by_path(run).get(BASELINE, {})
        seeded = run.get("seeded_seconds")
        lines.append(f"| {scale} | {run['sizes']['profiles']:,} | "
                     f"{'–' if seeded is None else f'{seeded:.0f} s'} | "
                     f"{' '.join(map(str, run.get('load_average_before') or []))} | "
                     f"{' '.join(map(str, run.get('load_average_after') or []))} | "
                     f"{base.get('rps', 0):.0f} |")
    head = "| path | " + " | ".join(f"p50 {s} | p99 {s} | ratio {s}" for s in scales) + " |"
    lines += ["", "Milliseconds; ratio = the path's req/s over /healthz's in the same round.",
              "", head, "|---|" + "---:|" * (3 * len(scales))]
    for path in paths_of(curve):
        cells = []
        for scale in scales:
            r = by_path(curve["runs"][scale]).get(path, {})
            cells += [_fmt(r.get("p50_ms")), _fmt(r.get("p99_ms")), _fmt(r.get("ratio"), 2)]
        lines.append(f"| `{path}` | " + " | ".join(cells) + " |")
    checks = budgets(curve)
    if checks:
        lines += ["", f"## Budgets at {scales[-1]}", "", "| path | budget | measured | |",
                  "|---|---|---:|---|"]
        lines += [f"| `{c['path']}` | {c['budget']} | {c['value']} | "
                  f"{'met' if c['met'] else '**missed**'} |" for c in checks]
    return "\n".join(lines) + "\n"


def svg(curve: dict, *, columns: int = 4, cell_w: int = 250, cell_h: int = 170) -> str:
    """The curve as a standalone SVG: one small chart per path (p50 solid, p99 dashed, in
    ms against the size) with the ratio to /healthz printed under each size, a legend, and
    a title and description for screen readers."""
    scales = list(curve["runs"])
    paths = [p for p in paths_of(curve) if p != BASELINE] or []
    rows = -(-len(paths) // columns) if paths else 1
    top = 56
    width, height = columns * cell_w + 20, top + rows * cell_h + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="t d" '
           'font-family="system-ui, sans-serif">',
           f'<title id="t">Latency by data size, {escape(curve["when"])}</title>',
           f'<desc id="d">p50 and p99 in milliseconds and the ratio to /healthz of '
           f'{len(paths)} paths at {", ".join(scales)} builders.</desc>',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="10" y="22" font-size="15" font-weight="600" fill="#111827">'
           f'Buildstory bench curve: p50 / p99 (ms) and ratio to /healthz by size</text>',
           '<line x1="10" y1="40" x2="34" y2="40" stroke="#2563eb" stroke-width="2"/>',
           '<text x="38" y="44" font-size="12" fill="#374151">p50</text>',
           '<line x1="80" y1="40" x2="104" y2="40" stroke="#dc2626" stroke-width="2" '
           'stroke-dasharray="4 3"/>',
           '<text x="108" y="44" font-size="12" fill="#374151">p99</text>',
           '<text x="150" y="44" font-size="12" fill="#374151">×0.45 = req/s over '
           '/healthz\'s</text>']
    left, right, ptop, bottom = 44, 14, 26, 40
    pw, ph = cell_w - left - right, cell_h - ptop - bottom
    for i, path in enumerate(paths):
        ox, oy = 10 + (i % columns) * cell_w, top + (i // columns) * cell_h
        points = [by_path(curve["runs"][s]).get(path, {}) for s in scales]
        peak = nice_max(int(max([p.get("p99_ms") or 0 for p in points] + [1])) + 1)
        xs = [ox + left + (pw * k / max(len(scales) - 1, 1) if len(scales) > 1 else pw / 2)
              for k in range(len(scales))]

        def y(v):
            return oy + ptop + ph - ph * min(v, peak) / peak

        out.append(f'<g class="path"><title>{escape(path)}</title>')
        out.append(f'<text x="{ox + 4}" y="{oy + 14}" font-size="12" font-weight="600" '
                   f'fill="#111827">{escape(path)}</text>')
        out.append(f'<rect x="{ox + left}" y="{oy + ptop}" width="{pw}" height="{ph}" '
                   'fill="none" stroke="#e5e7eb"/>')
        for tick in (0, peak // 2, peak):
            out.append(f'<text x="{ox + left - 4}" y="{y(tick) + 4:.1f}" font-size="10" '
                       f'text-anchor="end" fill="#6b7280">{tick}</text>')
        for key, colour, dash in (("p50_ms", "#2563eb", ""),
                                  ("p99_ms", "#dc2626", ' stroke-dasharray="4 3"')):
            pts = [(x, p.get(key)) for x, p in zip(xs, points) if p.get(key) is not None]
            if pts:
                out.append(f'<polyline class="{key[:3]}" fill="none" stroke="{colour}" '
                           f'stroke-width="2"{dash} points="'
                           + " ".join(f"{x:.1f},{y(v):.1f}" for x, v in pts) + '"/>')
                out += [f'<circle cx="{x:.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}">'
                        f'<title>{escape(path)} {key[:3]} at {s}: {v:.1f} ms</title></circle>'
                        for (x, v), s in zip(pts, scales)]
        for x, s, p in zip(xs, scales, points):
            out.append(f'<text x="{x:.1f}" y="{oy + ptop + ph + 14}" font-size="10" '
                       f'text-anchor="middle" fill="#374151">{s}</text>')
            ratio = p.get("ratio")
            out.append(f'<text class="ratio" x="{x:.1f}" y="{oy + ptop + ph + 28}" '
                       f'font-size="10" text-anchor="middle" fill="#111827">'
                       f'{"–" if ratio is None else f"×{ratio:.2f}"}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(curve: dict, folder: Path, stamp: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / f"curve-{stamp}.{ext}" for ext in ("json", "md", "svg")]
    files[0].write_text(json.dumps(curve, indent=2, default=str) + "\n")
    files[1].write_text(markdown(curve))
    files[2].write_text(svg(curve))
    return files


def load_average() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def main() -> int:
    scales = [s for s in os.environ.get("BENCH_CURVE_SCALES", "10k,100k,1m").split(",") if s]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    curve = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "rounds": int(os.environ.get("BENCH_ROUNDS", "3")),
             "seconds": int(os.environ.get("BENCH_SECONDS", "2")),
             "connections": int(os.environ.get("BENCH_CONNECTIONS", "16")),
             "load_average_start": load_average(), "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for scale in scales:
            print(f"\n=== {scale} ===", flush=True)
            curve["runs"][scale] = run_size(scale, Path(tmp) / f"{scale}.json")
    files = write(curve, ROOT / "bench" / "results", stamp)
    print("\n" + markdown(curve))
    print("written " + ", ".join(str(f.relative_to(ROOT)) for f in files))
    return 0 if all(c["met"] for c in budgets(curve)) else 1


if __name__ == "__main__":
    sys.exit(main())
