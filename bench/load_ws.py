"""The light load generator of the fair load test (issue 16): N protocol-level Streamlit sessions
(bench/ws_client.py, no browser, no rendering) in one asyncio loop, so one spare core drives
tens of sessions.  ``bench/load_test.py --client ws`` runs it in place of the Chromium sessions
(bench/load_sessions.py), with the same server start, pinning, RSS sampler, step plan, replicas
and PostgreSQL, and the same report.

Each session opens the app (the forest plot page), then, ``think`` seconds apart, changes one
sidebar choice (the Comparison / Population / Measure / Model radios, the HKSJ, floor and
prediction-interval checkboxes, the Outcome and Time point selectboxes) or switches between the
Forest plot and Sensitivity pages, sending the full widget state as the browser does.  Every
forest figure drawn is checked: its ``layout.meta`` must show the population and measure the
session has chosen (a mismatch is an error: the change did not reach the app).
"""
from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

from bench.load_sessions import SessionStats, StartLine, click_until, run_sessions, session_lifetime
from bench.ws_client import WsSession

NAV_PAGES = ("Forest plot", "Sensitivity")
RADIOS = ("comparison", "population", "measure", "model")
CHECKBOXES = ("hksj", "floor", "pi")
SELECTBOXES = ("outcome", "timepoint")
P_NAV, P_SELECT = 0.15, 0.15       # as bench/load_sessions.py; the rest: a radio or a checkbox
META_KEYS = ("population", "measure")   # widget keys the forest figure's layout.meta names


@dataclass
class WsStats(SessionStats):
    """A protocol session's figures: the browser session's, plus what only the wire shows."""

    requests: int = 0           # rerun requests sent while clicking
    finished: int = 0           # ... answered by a script_finished
    meta_checked: int = 0       # forest figures whose layout.meta was compared with the choices
    meta_changed: int = 0       # ... that differed from the session's previous forest figure


def _code(key: str, label):
    """The code behind a widget label (ui/state.py's labels), e.g. 'Type 1 DM' -> 'T1DM'."""
    from ui.state import LABELS

    return {v: k for k, v in LABELS.get(key, {}).items()}.get(label, label)


def choose(session: WsSession, rng: random.Random):
    """One random user action on the current page: (kind, description, coroutine factory), or
    None when nothing can be changed."""
    roll = rng.random()
    if roll < P_NAV and all(p in session.pages for p in NAV_PAGES):
        target = NAV_PAGES[1] if session.page_title == NAV_PAGES[0] else NAV_PAGES[0]
        return "nav", f"nav:{target}", lambda: session.switch_page(target)
    keys = SELECTBOXES if roll < P_NAV + P_SELECT else RADIOS + CHECKBOXES
    widgets = [w for w in map(session.widget, keys) if w is not None and not w.proto.disabled]
    if not widgets:
        return None
    w = rng.choice(widgets)
    current = session.values.get(w.id)
    if w.kind == "checkbox":
        value = not current
    else:
        others = [o for o in w.options if o != current]
        if not others:
            return None
        value = rng.choice(others)
    kind = "select" if w.kind == "selectbox" else w.kind
    return kind, f"{kind}:{w.key}={value}", lambda: session.change(w.key, value)


def check_forest(session: WsSession, result, stats: WsStats, last: list, what: str) -> None:
    """Compare the forest figure just drawn with the session's choices; count a change."""
    meta = result.forest_meta
    if meta is None:
        return
    stats.meta_checked += 1
    wrong = {k: (meta.get(k), _code(k, session.value(k))) for k in META_KEYS
             if meta.get(k) != _code(k, session.value(k))}
    if wrong:
        stats.errors.append(f"forest figure does not show the choice after {what}: (figure, chosen) {wrong}")
    if last and last[0] != meta:
        stats.meta_changed += 1
    last[:] = [meta]


async def _interact(session: WsSession, rng: random.Random, stats: WsStats, idx: int, counter: list,
                    last_meta: list) -> bool:
    """One random interaction, timed; False when the session cannot go on (no answer)."""
    where = "sensitivity" if session.page_title == NAV_PAGES[1] else "forest"
    action = choose(session, rng)
    if action is None:
        stats.noop_clicks.append(f"session {idx}: nothing to change on {where}")
        return True
    kind, what, run = action
    stats.requests += 1
    result = await run()
    if result.status is None:
        stats.errors.append(f"session {idx}: {what}: no script_finished within {session.run_timeout:g} s")
        return False
    stats.finished += 1
    if not result.ok:
        stats.errors.append(f"session {idx}: {what}: script_finished status {result.status}, "
                            f"exceptions {result.exceptions[:2]}")
    stats.latencies_ms.append((f"{where}:{kind}", result.ms))
    stats.wire_ms.append(result.ms)
    stats.server_part_ms.append(result.ms)
    stats.interactions += 1
    counter[0] += 1
    stats.pages.add("sensitivity" if session.page_title == NAV_PAGES[1] else "forest")
    check_forest(session, result, stats, last_meta, what)
    return True


async def _session(url: str, seconds: float, idx: int, seed: int, think: tuple, counter: list, stagger: float,
                   loading: asyncio.Semaphore, start: StartLine, until: int | None) -> WsStats:
    """One session: open the app, wait for all, interact until the deadline (or ``until``)."""
    stats = WsStats()
    rng = random.Random(seed * 1000 + idx)
    base, _, query = url.partition("?")
    session = WsSession(base, query)
    last_meta: list = []

    async def open_app():
        await asyncio.sleep(stagger * idx)
        async with loading:
            t = time.monotonic()
            first = await session.open()
            stats.load_s = time.monotonic() - t
        if not first.ok:
            stats.errors.append(f"session {idx}: first load: status {first.status}, {first.exceptions[:2]}")
        check_forest(session, first, stats, last_meta, "the first load")

    await session_lifetime(start, stats, idx, open_app, session.close, lambda: click_until(
        start, stats, seconds, until, counter, rng, think, lambda: _interact(session, rng, stats, idx, counter,
                                                                             last_meta)))
    return stats


async def run_ws_sessions(base_url, sessions, seconds, seed, think, counter, stagger, load_concurrency, nice=0,
                          until=None):
    """bench/load_sessions.run_sessions's contract, with protocol sessions instead of browsers
    (``nice`` is unused: there is no browser to lower)."""
    urls = [base_url] if isinstance(base_url, str) else list(base_url)
    loading = asyncio.Semaphore(load_concurrency)
    start = StartLine(sessions)
    return await asyncio.gather(*(_session(urls[i % len(urls)], seconds, i, seed, think, counter, stagger,
                                           loading, start, until) for i in range(sessions)))


def session_driver(client: str):
    """The sessions' coroutine for ``client``: "browser" (Chromium contexts) or "ws" (protocol sessions)."""
    drivers = {"browser": run_sessions, "ws": run_ws_sessions}
    if client not in drivers:
        raise ValueError(f"client must be one of {sorted(drivers)}; got {client!r}")
    return drivers[client]


def ws_figures(stats) -> dict:
    """What only the protocol sessions count, summed over the sessions."""
    return {k: sum(getattr(s, k) for s in stats) for k in ("requests", "finished", "meta_checked", "meta_changed")}
