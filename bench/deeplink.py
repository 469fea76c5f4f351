"""Does a shared deep link's first paint show the link's view?  Prints, for a fresh and a warm server,
how many samples of the sidebar's radios (every animation frame and DOM change from the first script
on) showed a value other than the link's; the sampling is tests/support/deeplink.py, which
tests/e2e/test_deeplink_first_paint.py asserts on.  Asserts nothing::

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \\
        .venv/bin/python bench/deeplink.py
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.appserver import chromium, start_server, stop_server  # noqa: E402
from tests.support.deeplink import open_deep_link  # noqa: E402


def main() -> None:
    logs = ROOT / "tmp" / "bench_ui"
    logs.mkdir(parents=True, exist_ok=True)
    server = start_server(logs / "deeplink.log")
    try:
        with chromium() as browser:
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            print(open_deep_link(ctx, server.url).line("fresh server"))
            for i in range(3):
                print(open_deep_link(ctx, server.url).line(f"warm server {i + 1}"))
            print(open_deep_link(ctx, server.url, params={}).line("control: no link (must show wrong samples)"))
            print(open_deep_link(ctx, server.url, path="").line("forest page"))
    finally:
        stop_server(server.proc)


if __name__ == "__main__":
    main()
