"""Full-page screenshots of every page, as a user sees them, at 1440x900 and 1280x720, in headless
Debian Chromium against a fresh server on loopback (shipped data; no saved state is touched).

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \\
        .venv/bin/python scripts/screenshots.py [--out tmp/shots/pages] [--query "comparison=vs_control"]

Writes <out>/<page>_<width>x<height>.png (the first screen) and ..._full.png (the whole page); open them and read them before calling a page done.
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):          # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from tests.support.appserver import APP_DIR, chromium, start_server, stop_server, wait_app_idle  # noqa: E402

SIZES = ((1440, 900), (1280, 720))
MAX_HEIGHT = 8000   # px: a full-page capture taller than this is cut


def app_pages() -> tuple:
    """app.py's PAGES table, read without importing app.py (importing it runs the app)."""
    tree = ast.parse((APP_DIR / "app.py").read_text())
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "PAGES")
    return ast.literal_eval(node.value)


def url_path(page_file: str, first: bool) -> str:
    """Streamlit's URL path of a page file: its stem; the first (default) page lives at the root only."""
    return "" if first else Path(page_file).stem


def shoot(out: Path, query: str = "", only: tuple = ()) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    state = tempfile.mkdtemp(prefix="shots-state-", dir=os.environ.get("TMPDIR"))
    server = start_server(out / "server.log", env={**os.environ, "MSCDM_STATE_DIR": state})
    written = []
    try:
        with chromium() as browser:
            for width, height in SIZES:
                page = browser.new_page(viewport={"width": width, "height": height})
                for i, (path, _title, _icon) in enumerate(app_pages()):
                    if only and Path(path).stem not in only:
                        continue
                    page.goto(f"{server.url}/{url_path(path, i == 0)}" + (f"?{query}" if query else ""))
                    page.get_by_test_id("stSidebar").wait_for(timeout=120_000)
                    wait_app_idle(page)
                    page.wait_for_timeout(800)          # plotly's last relayout after the app is idle
                    shot = out / f"{Path(path).stem}_{width}x{height}.png"
                    page.screenshot(path=str(shot))
                    written.append(shot)
                    # The whole page: Streamlit scrolls inside its main section, so grow the window to it.
                    tall = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
                    page.set_viewport_size({"width": width, "height": min(int(tall), MAX_HEIGHT)})
                    wait_app_idle(page)
                    page.wait_for_timeout(800)
                    full = out / f"{Path(path).stem}_{width}x{height}_full.png"
                    page.screenshot(path=str(full))
                    written.append(full)
                    page.set_viewport_size({"width": width, "height": height})
                page.close()
    finally:
        stop_server(server.proc)
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=APP_DIR / "tmp" / "shots" / "pages")
    ap.add_argument("--query", default="", help="URL query for every page, e.g. comparison=vs_control")
    ap.add_argument("--pages", default="", help="only these pages (file stems, comma-separated), e.g. forest")
    args = ap.parse_args(argv)
    for p in shoot(args.out, args.query, tuple(filter(None, args.pages.split(",")))):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
