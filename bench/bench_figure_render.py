"""The browser's cost of drawing the forest figure: ``Plotly.react`` of the Fixed/Random-effects
forest plots in turn (as a Model toggle does), against the trivial app's figure, in headless
Chromium on a local page (plotly.js from the installed plotly package; no server, no network).
Prints; asserts nothing.

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \
        .venv/bin/python bench/bench_figure_render.py [--n 30]

``figures()`` may be given other builders (tmp one-offs compare an older forest_figure).  With
``--before DIR`` (another copy of the app, e.g. ``git archive <commit> | tar -x -C DIR``) its forest
figures are measured too, as "forest before", interleaved with this tree's: a same-run A/B.
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

REACT_JS = """async ([figs, n]) => {
  const div = document.getElementById('fig');
  const times = [];
  for (let i = 0; i < n + 2; i++) {
    const f = figs[i % figs.length];
    const t0 = performance.now();
    await Plotly.react(div, f.data, f.layout);
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));   // until painted
    if (i >= 2) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {p50: times[Math.floor(times.length / 2)], p95: times[Math.floor(0.95 * (times.length - 1))],
          nodes: div.getElementsByTagName('*').length};
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


def forest_figures_of(app_dir: Path) -> list[dict]:
    """The forest figures as another copy of the app builds them (its own core, in a process of its own)."""
    code = "import json; from bench.bench_figure_render import forest_figures; print(json.dumps(forest_figures()))"
    out = subprocess.run([sys.executable, "-c", code], cwd=app_dir, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def measure(cases: dict[str, list[dict]], n: int, rounds: int = 3) -> dict[str, dict]:
    """p50/p95 per case (the median over ``rounds`` interleaved rounds) and its DOM node count."""
    import plotly.offline

    page_path = ROOT / "tmp" / "bench_figure_render.html"
    page_path.parent.mkdir(parents=True, exist_ok=True)
    page_path.write_text(f"<html><body><script>{plotly.offline.get_plotlyjs()}</script>"
                         "<div id='fig' style='width:1400px'></div></body></html>")
    results: dict[str, list[dict]] = {k: [] for k in cases}
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(page_path.as_uri())
        for _ in range(rounds):
            for name, figs in cases.items():
                page.evaluate("() => Plotly.purge(document.getElementById('fig'))")
                results[name].append(page.evaluate(REACT_JS, [figs, n]))
    return {k: {"p50": sorted(r["p50"] for r in v)[len(v) // 2], "p95": sorted(r["p95"] for r in v)[len(v) // 2],
                "nodes": v[0]["nodes"]} for k, v in results.items()}


def report(res: dict[str, dict], n: int) -> None:
    base = res["trivial"]["p50"]
    print(f"Plotly.react -> painted, headless Chromium, {n} redraws per round, interleaved rounds (median round), ms")
    print(f"{'figure':<22} {'p50':>7} {'p95':>7} {'DOM nodes':>10}   p50/trivial")
    for name, r in res.items():
        print(f"{name:<22} {r['p50']:7.1f} {r['p95']:7.1f} {r['nodes']:10d}   {r['p50'] / base:9.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (the median round is shown)")
    ap.add_argument("--before", type=Path, help="another copy of the app: its forest figures too, as 'forest before'")
    args = ap.parse_args()
    cases = {"trivial": trivial_figures(), "forest": forest_figures()}
    if args.before:
        cases["forest before"] = forest_figures_of(args.before.resolve())
    report(measure(cases, args.n, args.rounds), args.n)


if __name__ == "__main__":
    main()
