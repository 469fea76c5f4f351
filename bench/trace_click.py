"""Where the browser's main thread spends a click (issue 27), from a Chrome trace: the Forest plot's
sidebar "Model" radio (or, with ``--floor``, bench/floor_app.py's checkbox: the forest figure alone),
``--n`` clicks after two warm-ups.  Per phase of a click -- pointer-down -> first WebSocket message ->
last message -> Plotly.react's start -> its synchronous end -- the traced median duration and the mean
main-thread time by script (CPU profile samples: plotly.js, Streamlit's React bundles, the chart
element's inline JS, GC, and "(program)": Blink's own work such as style, layout and paint), and
the layouts and style recalculations, those forced from inside a script call marked.  Prints a summary;
the raw trace stays in tmp/.  Tracing slows the page (~1.5x): read shares, not absolute times
(bench/click_phases.py has the untraced phases).

    MSCDM_PORTS=... TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \
        .venv/bin/python bench/trace_click.py [--n 10] [--floor]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.appserver import CHART, chromium, start_server, stop_server, wait_app_idle  # noqa: E402

# performance.mark()s land in the trace on the page's main thread, on the trace's own clock.
INIT = """const M=(n)=>performance.mark(n);const OW=window.WebSocket;window.WebSocket=function(...a){
const w=new OW(...a);w.addEventListener('message',()=>M('mscdm:ws'));return w};
window.WebSocket.prototype=OW.prototype;Object.assign(window.WebSocket,OW);
document.addEventListener('pointerdown',()=>M('mscdm:down'),{capture:true});
const hook=()=>{if(window.Plotly&&!window.Plotly.__h){const R=window.Plotly.react;window.Plotly.__h=1;
window.Plotly.react=function(...a){M('mscdm:react0');const p=R.apply(this,a);M('mscdm:react1');return p}}};
setInterval(hook,50);"""
CATEGORIES = ["devtools.timeline", "blink.user_timing", "v8.execute", "disabled-by-default-v8.cpu_profiler"]
SCRIPT_CALLS = {"FunctionCall", "RunMicrotasks", "TimerFire", "v8.callFunction", "FireAnimationFrame"}
RENDERING = ("Layout", "UpdateLayoutTree", "Paint", "PrePaint", "Layerize", "v8.evaluateModule")
PHASES = (("pointer-down -> first message", "down", "ws0"), ("first -> last message", "ws0", "ws1"),
          ("last message -> Plotly.react", "ws1", "r0"), ("Plotly.react, synchronous", "r0", "r1"))


def record(n: int, floor: bool) -> list[dict]:
    """The trace events of ``n`` clicks."""
    srv = start_server(ROOT / "tmp" / "trace_click.log", script="bench/floor_app.py" if floor else "app.py")
    try:
        with chromium() as browser:
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            ctx.add_init_script(INIT)
            page = ctx.new_page()
            page.goto(srv.url + ("/" if floor else "/?set=Paper+%2B+newer+trials"))
            page.locator(CHART).first.wait_for(timeout=120_000)
            wait_app_idle(page, 120_000)
            for i in range(2):
                click(page, i, floor)
            browser.start_tracing(page=page, categories=CATEGORIES)
            for i in range(n):
                click(page, i, floor)
            raw = browser.stop_tracing()
    finally:
        stop_server(srv.proc)
    (ROOT / "tmp" / "trace_click.json").write_bytes(raw)
    events = json.loads(raw)
    return events["traceEvents"] if isinstance(events, dict) else events


def click(page, i: int, floor: bool) -> None:
    before = page.evaluate(f"() => JSON.stringify(document.querySelector('{CHART}').layout.meta)")
    if floor:
        page.get_by_test_id("stCheckbox").first.locator("label").click()
    else:
        page.get_by_test_id("stSidebar").get_by_text(("Fixed effect (IV)", "Random effects")[i % 2], exact=True).click()
    page.wait_for_function(f"(b) => JSON.stringify(document.querySelector('{CHART}').layout.meta) !== b", arg=before)
    wait_app_idle(page)
    page.wait_for_timeout(300)


def clicks(marks: list[dict]) -> list[dict]:
    """Per click, the trace times (µs) of its marks: down, first/last message, react start/end."""
    out: list[dict] = []
    for m in sorted(marks, key=lambda e: e["ts"]):
        name, ts = m["name"].removeprefix("mscdm:").replace("react", "r"), m["ts"]
        if name == "down":
            out.append({"down": ts, "ws": []})
        elif out and name == "ws":
            out[-1]["ws"].append(ts)
        elif out:
            out[-1].setdefault(name, ts)
    done = [c for c in out if c["ws"] and "r0" in c and "r1" in c]
    for c in done:
        c["ws0"], c["ws1"] = c["ws"][0], max(t for t in c["ws"] if t <= c["r0"])
    return done


def spans(main: list[dict]) -> list[tuple]:
    """The main thread's complete events as (start, end, name), B/E pairs joined."""
    out = [(e["ts"], e["ts"] + e["dur"], e["name"]) for e in main if e.get("ph") == "X" and "dur" in e]
    open_: dict[str, list] = collections.defaultdict(list)
    for e in sorted((e for e in main if e.get("ph") in ("B", "E")), key=lambda e: e["ts"]):
        if e["ph"] == "B":
            open_[e["name"]].append(e["ts"])
        elif open_[e["name"]]:
            out.append((open_[e["name"]].pop(), e["ts"], e["name"]))
    return out


def samples(events: list[dict], pid: int) -> list[tuple[float, str]]:
    """CPU profile samples of the page's process: (time, the script file of the innermost script frame,
    or the profiler's own pseudo-frame: (program), (garbage collector), (idle))."""
    nodes, out, t = {}, [], 0.0
    for e in events:
        if e.get("pid") == pid and e.get("name") == "Profile":
            t = e["args"]["data"]["startTime"]
    for e in events:
        if e.get("pid") != pid or e.get("name") != "ProfileChunk":
            continue
        data = e["args"]["data"]
        for node in data.get("cpuProfile", {}).get("nodes", []):
            nodes[node["id"]] = node
        for sid, dt in zip(data.get("cpuProfile", {}).get("samples", []), data.get("timeDeltas", [])):
            t += dt
            out.append((t, sid))
    parent = {k: v.get("parent") for k, v in nodes.items()}

    def script(sid):
        first = nodes[sid]["callFrame"]["functionName"]
        while sid in nodes:
            url = nodes[sid]["callFrame"].get("url", "")
            if url:
                return "chart element JS (blob)" if url.startswith("blob:") else url.split("/")[-1].split("?")[0]
            sid = parent.get(sid)
        return first or "(native)"
    return [(ts, script(sid)) for ts, sid in out]


def phase_summary(cs: list[dict], sp: list[tuple], smp: list[tuple], start: str, end: str):
    """Mean ms per click of script time by file, and of layouts/style recalculations (forced or not)."""
    js: collections.Counter = collections.Counter()
    rendering: collections.Counter = collections.Counter()
    calls = [s for s in sp if s[2] in SCRIPT_CALLS]
    for c in cs:
        a, b = c[start], c[end]
        prev = None
        for ts, script in smp:
            if prev is not None and a <= ts < b:
                js[script] += (ts - prev) / 1000
            prev = ts
        for s0, s1, name in sp:
            if name in RENDERING and min(b, s1) > max(a, s0):
                forced = name in ("Layout", "UpdateLayoutTree") and any(c0 < s0 and s1 <= c1 for c0, c1, _ in calls)
                rendering[name + (" (forced in a script)" if forced else "")] += (min(b, s1) - max(a, s0)) / 1000
    return ({k: v / len(cs) for k, v in js.items()}, {k: v / len(cs) for k, v in rendering.items()})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--floor", action="store_true", help="bench/floor_app.py (the forest figure alone)")
    ap.add_argument("--again", action="store_true", help="summarise tmp/trace_click.json (the last trace) again")
    args = ap.parse_args()
    if args.again:
        events = json.loads((ROOT / "tmp" / "trace_click.json").read_bytes())
        events = events["traceEvents"] if isinstance(events, dict) else events
    else:
        events = record(args.n, args.floor)
    marks = [e for e in events if e.get("name", "").startswith("mscdm:")]
    pid, tid = marks[0]["pid"], marks[0]["tid"]
    cs = clicks(marks)
    sp = spans([e for e in events if e.get("pid") == pid and e.get("tid") == tid])
    smp = samples(events, pid)
    print(f"{len(cs)} clicks traced ({'floor app checkbox' if args.floor else 'Forest plot, sidebar Model'}), "
          f"load {os.getloadavg()[0]:.2f}; messages per click {statistics.median(len(c['ws']) for c in cs)}")
    for title, a, b in PHASES:
        js, rendering = phase_summary(cs, sp, smp, a, b)
        print(f"\n{title}: traced median {statistics.median((c[b] - c[a]) / 1000 for c in cs):.0f} ms; "
              "mean ms per click:")
        for k, v in sorted(js.items(), key=lambda kv: -kv[1])[:8]:
            print(f"   {v:6.1f}  {k}")
        print("   rendering: " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(rendering.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
