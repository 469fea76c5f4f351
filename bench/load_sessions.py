"""The browser sessions of the load test (bench/load_test.py): each in its own Chromium context
(its own Streamlit session) opens the app, then clicks random shared choices until the common
deadline, timing each click in the page (bench/load_js.py) and on the wire (CDP)."""
from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from tests.support.appserver import APP_DIR, CHART, CHROMIUM, CHROMIUM_ARGS
from bench.load_js import CHOICES_JS, DONE_JS, IDLE_JS, INIT_JS, STATE_JS

# Loopback only: every host name except 127.0.0.1 fails to resolve inside this browser.
GUARD_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
LOAD_TIMEOUT_S = 120
SELECTBOXES = {"Outcome": None, "Time point": None}   # sidebar selectboxes the sessions also change


@dataclass
class SessionStats:
    latencies_ms: list = field(default_factory=list)   # (kind, ms)
    load_s: float = float("nan")
    errors: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    outbound: set = field(default_factory=set)   # non-loopback URLs the page asked for (blocked)
    noop_clicks: list = field(default_factory=list)  # clicks that started no rerun (not timed)
    server_part_ms: list = field(default_factory=list)  # click -> script_finished received
    wire_ms: list = field(default_factory=list)   # rerun request sent -> script_finished (network stack)
    clicking: bool = False
    interactions: int = 0
    pages: set = field(default_factory=set)


async def _choose_and_click(page, rng: random.Random, has_sensitivity: bool) -> tuple[str, bool]:
    """Make one random choice that triggers a rerun; return (description, clicked)."""
    sidebar = page.get_by_test_id("stSidebar")
    roll = rng.random()
    if has_sensitivity and roll < 0.15:
        here = "Sensitivity" if "/sensitivity" in page.url else "Forest plot"
        target = "Forest plot" if here == "Sensitivity" else "Sensitivity"
        await page.get_by_test_id("stSidebarNav").get_by_role("link", name=target).click()
        return f"nav:{target}", True
    if roll < 0.30:
        name = rng.choice(list(SELECTBOXES))
        box = sidebar.get_by_role("combobox", name=name)
        current = (await box.input_value()) if await box.count() else ""
        await box.click()
        opts = [o for o in await page.get_by_role("option").all_inner_texts() if o.strip() != current.strip()]
        if not opts:
            await page.keyboard.press("Escape")
            return f"select:{name}", False
        choice = rng.choice(opts)
        await page.get_by_role("option", name=choice, exact=True).click()
        return f"select:{name}={choice}", True
    choices = await page.evaluate(CHOICES_JS)
    if not choices:
        return "none", False
    c = rng.choice(choices)
    if c["kind"] == "radio":
        group = page.locator('[role="radiogroup"]').nth(c["gi"])
        await group.get_by_text(c["text"], exact=True).first.click()
        return f"radio:{c['group']}={c['text']}", True
    await page.get_by_test_id("stCheckbox").filter(has_text=c["text"]).first.locator("label").click()
    return f"checkbox:{c['text']}", True


class WireTimer:
    """Pairs each BackMsg.rerun_script frame with the next ForwardMsg.script_finished frame."""

    def __init__(self, stats):
        self.stats, self.t_sent = stats, None

    @staticmethod
    def _payload(params):
        import base64

        r = params.get("response", {})
        return base64.b64decode(r.get("payloadData", "")) if r.get("opcode") == 2 else None

    def sent(self, params):
        from streamlit.proto.BackMsg_pb2 import BackMsg

        data = self._payload(params)
        try:
            if data is not None and BackMsg.FromString(data).WhichOneof("type") == "rerun_script":
                self.t_sent = params["timestamp"]
        except Exception:
            pass

    def received(self, params):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if self.t_sent is None:
            return
        data = self._payload(params)
        try:
            msg = ForwardMsg.FromString(data) if data is not None else None
        except Exception:
            return
        if msg is not None and msg.WhichOneof("type") == "script_finished" and msg.script_finished in (0, 1, 3):
            if self.stats.clicking:
                self.stats.wire_ms.append(1000 * (params["timestamp"] - self.t_sent))
            self.t_sent = None


class StartLine:
    """All sessions open the app first; clicking starts for everyone at once when the last is ready."""

    def __init__(self, sessions: int):
        self.left, self.event, self.t = sessions, asyncio.Event(), None

    def ready(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.t = time.monotonic()
            self.event.set()


async def click_until(start: StartLine, stats, seconds: float, until: int | None, counter: list,
                      rng: random.Random, think: tuple, step) -> None:
    """Wait until every session is ready, then ``await step()`` every ``think`` seconds until the
    common deadline, or until ``until`` interactions have finished in all sessions together; a
    step that returns False ends this session's clicking early."""
    await start.event.wait()
    stats.clicking = True
    deadline = start.t + seconds
    done = lambda: time.monotonic() >= deadline or (until is not None and counter[0] >= until)  # noqa: E731
    while not done():
        await asyncio.sleep(rng.uniform(*think))
        if done() or await step() is False:
            break


async def session_lifetime(start: StartLine, stats, idx: int, open_app, close, clicking) -> None:
    """``await open_app()``, report ready at the start line, ``await clicking()``, then ``await
    close()``; an exception is the session's error, and a session that fails to open still
    reports ready, so it never holds the others back."""
    ready = False
    try:
        await open_app()
        start.ready()
        ready = True
        await clicking()
    except Exception as exc:
        stats.errors.append(f"session {idx}: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        if not ready:
            start.ready()
        await close()


async def _watched_page(browser, stats: SessionStats, idx: int):
    """A new browser context and page whose errors, outbound requests and rerun frames go to ``stats``."""
    ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
    await ctx.add_init_script(INIT_JS)
    page = await ctx.new_page()
    page.set_default_timeout(5_000)      # a click that cannot happen within 5 s is skipped
    page.on("pageerror", lambda e: stats.errors.append(f"session {idx} pageerror: {e}"))
    page.on("console", lambda m: stats.console_errors.append(f"session {idx}: {m.text[:200]}")
            if m.type == "error" and "ERR_NAME_NOT_RESOLVED" not in m.text else None)
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else stats.outbound.add(r.url[:200]))
    # The network view of each rerun (CDP, timestamps taken in the browser's network stack, not in
    # the busy page): the rerun_script request sent -> the script_finished message received.
    cdp = await ctx.new_cdp_session(page)
    await cdp.send("Network.enable")
    wire = WireTimer(stats)
    cdp.on("Network.webSocketFrameSent", wire.sent)
    cdp.on("Network.webSocketFrameReceived", wire.received)
    return ctx, page


async def _open_app(page, base_url: str, loading: asyncio.Semaphore, stats: SessionStats, has_sens_file: bool):
    """Load the app (timed), open the model-details expander; return whether Sensitivity is in the nav."""
    # Ramp-up: at most `load_concurrency` sessions open the app at once (a first load parses the
    # plotly.js bundle: seconds of CPU per browser context); then all click together.
    async with loading:
        t = time.monotonic()
        await page.goto(base_url, wait_until="domcontentloaded", timeout=LOAD_TIMEOUT_S * 1000)
        await page.locator(f"{CHART} .main-svg").first.wait_for(timeout=LOAD_TIMEOUT_S * 1000)
        await page.wait_for_function(IDLE_JS, timeout=LOAD_TIMEOUT_S * 1000)
        stats.load_s = time.monotonic() - t
    sidebar = page.get_by_test_id("stSidebar")
    await sidebar.get_by_text("Model details and sensitivity").click(timeout=30_000)   # expander: no rerun
    return has_sens_file and await page.get_by_test_id("stSidebarNav").get_by_role(
        "link", name="Sensitivity").count() > 0


async def _click_once(page, rng: random.Random, has_sens: bool, stats: SessionStats, idx: int,
                      counter: list) -> None:
    """One random click, timed until the page is redrawn; the outcome goes to ``stats``."""
    where = "sensitivity" if "/sensitivity" in page.url else "forest"
    try:
        what, clicked = await _choose_and_click(page, rng, has_sens)
    except Exception as exc:   # a click that could not happen (element moved) is not an app error
        stats.console_errors.append(f"session {idx}: click skipped ({type(exc).__name__}: "
                                    f"{str(exc).splitlines()[0][:150]})")
        await page.keyboard.press("Escape")
        return
    if not clicked:
        return
    try:
        handle = await page.wait_for_function(DONE_JS, polling=100, timeout=30_000)
        ms = await handle.json_value()
    except Exception:
        state = await page.evaluate(STATE_JS)
        if not state["sawRun"] and state["idle"] and not state["stale"]:
            # The click never reached a widget (e.g. a dropdown closed under it): no rerun was
            # asked for, so there is nothing to time; counted apart, not as an app error.
            stats.noop_clicks.append(f"session {idx}: {what}")
        else:
            stats.errors.append(f"session {idx}: {what} still not finished after 30 s ({state})")
        return
    ms, server_ms = ms
    stats.latencies_ms.append((f"{where}:{what.split(':')[0]}", float(ms)))
    stats.server_part_ms.append(float(server_ms))
    stats.interactions += 1
    counter[0] += 1
    stats.pages.add("sensitivity" if "/sensitivity" in page.url else "forest")
    n_exc = await page.locator('[data-testid="stException"]').count()
    if n_exc:
        text = await page.locator('[data-testid="stException"]').first.inner_text()
        stats.errors.append(f"session {idx}: stException after {what}: {text[:300]}")


async def _session(browser, base_url: str, seconds: float, idx: int, seed: int, think: tuple[float, float],
                   counter: list, stagger: float, has_sens_file: bool, loading: asyncio.Semaphore,
                   start: StartLine, until: int | None = None) -> SessionStats:
    """One session: open the app, wait for every session to be ready, click until the deadline
    (or until ``until`` interactions have finished in all sessions together)."""
    stats = SessionStats()
    rng = random.Random(seed * 1000 + idx)
    await asyncio.sleep(stagger * idx)
    ctx, page = await _watched_page(browser, stats, idx)
    has_sens = []

    async def open_app():
        has_sens.append(await _open_app(page, base_url, loading, stats, has_sens_file))

    await session_lifetime(start, stats, idx, open_app, ctx.close, lambda: click_until(
        start, stats, seconds, until, counter, rng, think, lambda: _click_once(page, rng, has_sens[0], stats, idx,
                                                                               counter)))
    return stats


def _browser_executable(nice: int) -> str:
    """Debian's Chromium, or a wrapper that starts it with a lower CPU priority (``nice``), so that
    the server on the same machine is served first, as if the browsers ran elsewhere."""
    if not nice:
        return CHROMIUM
    wrapper = APP_DIR / "tmp" / f"chromium-nice{int(nice)}.sh"
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(f'#!/bin/sh\nexec nice -n {int(nice)} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


async def run_sessions(base_url, sessions, seconds, seed, think, counter, stagger, load_concurrency, nice=0,
                       until=None):
    """Run ``sessions`` browser sessions in one Chromium; return their stats.  ``base_url`` is one
    address or a list (session ``i`` opens ``base_url[i % len]``: one replica per session, as a
    sticky proxy would place them); ``until`` ends the clicking after that many interactions."""
    urls = [base_url] if isinstance(base_url, str) else list(base_url)
    from playwright.async_api import async_playwright

    loading = asyncio.Semaphore(load_concurrency)
    start = StartLine(sessions)
    has_sens_file = (APP_DIR / "pages" / "sensitivity.py").exists()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=_browser_executable(nice),
                                          args=CHROMIUM_ARGS + GUARD_ARGS)
        try:
            return await asyncio.gather(*(_session(browser, urls[i % len(urls)], seconds, i, seed, think, counter,
                                                   stagger, has_sens_file, loading, start, until)
                                          for i in range(sessions)))
        finally:
            await browser.close()

