"""The browser's cost of drawing the forest figure: ``Plotly.react`` of the Fixed/Random-effects
forest plots in turn (as a Model toggle does), against the trivial app's figure, in headless
Chromium on a local page (plotly.js from the installed plotly package; no server, no network).
Prints; asserts nothing.

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \
        .venv/bin/python bench/bench_figure_render.py [--n 30]

``figures()`` may be given other builders (tmp one-offs compare an older forest_figure).  With
``--before DIR`` (another copy of the app, e.g. ``git archive <commit> | tar -x -C DIR``) its forest
figures are measured too, as "forest before", interleaved with this tree's: a same-run A/B.  Two rows
bound the forest's cost: the trivial figure plus as many text points as the forest draws (plotly's
own cost of text), and the forest without its text traces (the marks, axes and annotations).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.appserver import chromium  # noqa: E402

# One div per case, all at the same place and only the one being drawn visible; the cases take turns
# redraw by redraw, so that a burst of load elsewhere on the machine hits every case alike.
REACT_JS = """async ([cases, n]) => {
  const names = Object.keys(cases), divs = {}, times = {};
  for (const k of names) {
    const d = document.createElement('div');
    d.style.cssText = 'width:1400px;position:absolute;top:0;left:0;visibility:hidden';
    document.body.appendChild(d); divs[k] = d; times[k] = [];
  }
  const painted = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  for (let i = 0; i < n + 2; i++) for (const k of names) {
    const d = divs[k], f = cases[k][i % cases[k].length];
    d.style.visibility = 'visible';
    await painted();
    const t0 = performance.now();
    await Plotly.react(d, f.data, f.layout);
    await painted();
    if (i >= 2) times[k].push(performance.now() - t0);
    d.style.visibility = 'hidden';
  }
  const out = {};
  for (const k of names) out[k] = {times: times[k], nodes: divs[k].getElementsByTagName('*').length};
  return out;
}"""


def trivial_figures() -> list[dict]:
    import plotly.graph_objects as go

    out = []
    for on in (False, True):
        fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 2] if on else [2, 1]))
        fig.update_layout(template="plotly_white", height=300, meta={"on": on})
        out.append(json.loads(fig.to_json()))
    return out


def forest_figures(build=None) -> list[dict]:
    from core.evidence.dataset import load_dataset
    from core.figures.forest import forest_figure
    from core.workflow.analysis import AnalysisSpec, analyse
    from core.vocab import Outcome

    build = build or forest_figure
    ds = load_dataset()
    return [json.loads(build(analyse(ds, AnalysisSpec(outcome=Outcome.HBA1C, comparison="vs_control", study_set="all",
                                                      model=m))).to_json()) for m in ("fixed", "random")]


def text_points(fig: dict) -> int:
    return sum(len(t.get("x", ())) for t in fig["data"] if t.get("mode") == "text")


def floor_cases(forest: list[dict]) -> dict[str, list[dict]]:
    """What bounds the forest's redraw: the trivial figure plus as many text points (one trace, plain
    numbers) as the forest draws, and the forest without its text traces."""
    n = text_points(forest[0])
    plus_text = []
    for i, fig in enumerate(trivial_figures()):
        fig["data"].append({"type": "scatter", "mode": "text", "x": [k % 8 for k in range(n)],
                            "y": [k // 8 for k in range(n)], "text": [f"{k * 1.37 + i:.2f}" for k in range(n)],
                            "hoverinfo": "skip", "showlegend": False})
        plus_text.append(fig)
    no_text = [dict(f, data=[t for t in f["data"] if t.get("mode") != "text"]) for f in forest]
    return {f"trivial + {n} text": plus_text, "forest, no text": no_text}


def forest_figures_of(app_dir: Path) -> list[dict]:
    """The forest figures as another copy of the app builds them (its own core, in a process of its own)."""
    code = "import json; from bench.bench_figure_render import forest_figures; print(json.dumps(forest_figures()))"
    out = subprocess.run([sys.executable, "-c", code], cwd=app_dir, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def measure(cases: dict[str, list[dict]], n: int, rounds: int = 3) -> dict[str, dict]:
    """p25/p50/p95 per case over ``n * rounds`` redraws, the cases interleaved redraw by redraw, and its DOM
    node count."""
    import plotly.offline

    page_path = ROOT / "tmp" / "bench_figure_render.html"
    page_path.parent.mkdir(parents=True, exist_ok=True)
    page_path.write_text(f"<html><body><script>{plotly.offline.get_plotlyjs()}</script></body></html>")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(page_path.as_uri())
        res = page.evaluate(REACT_JS, [cases, n * rounds])
    out = {}
    for k, r in res.items():
        t = sorted(r["times"])
        out[k] = {"p25": t[len(t) // 4], "p50": t[len(t) // 2], "p95": t[int(0.95 * (len(t) - 1))], "nodes": r["nodes"]}
    return out


def report(res: dict[str, dict], n: int) -> None:
    base = res["trivial"]["p50"]
    print(f"Plotly.react -> painted, headless Chromium, {n} redraws each, the figures taking turns; ms")
    print(f"{'figure':<22} {'p25':>7} {'p50':>7} {'p95':>7} {'DOM nodes':>10}   p50/trivial  p25/trivial")
    for name, r in res.items():
        print(f"{name:<22} {r['p25']:7.1f} {r['p50']:7.1f} {r['p95']:7.1f} {r['nodes']:10d}   {r['p50'] / base:9.2f}x"
              f"  {r['p25'] / res['trivial']['p25']:9.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3, help="n x rounds redraws per figure")
    ap.add_argument("--before", type=Path, help="another copy of the app: its forest figures too, as 'forest before'")
    args = ap.parse_args()
    cases = {"trivial": trivial_figures(), "forest": forest_figures()}
    cases.update(floor_cases(cases["forest"]))
    if args.before:
        cases["forest before"] = forest_figures_of(args.before.resolve())
    report(measure(cases, args.n, args.rounds), args.n * args.rounds)


if __name__ == "__main__":
    main()
