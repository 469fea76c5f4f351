"""A shared deep link's first paint is its final paint: from the first frame on, no sidebar radio
shows a value that is not in the link, on a freshly started server (the page runs through
ui.components.ensure_shell_ran) and on a warm one.  Sampling: tests/support/deeplink.py."""
from __future__ import annotations

from tests.support.appserver import start_server, stop_server
from tests.support.deeplink import open_deep_link


def test_deep_link_radios_never_show_another_value(browser, tmp_path):
    server = start_server(tmp_path / "fresh.log")          # fresh: app.py has never run in it
    try:
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        fresh = open_deep_link(ctx, server.url)
        warm = open_deep_link(ctx, server.url)
        control = open_deep_link(ctx, server.url, params={})    # the sampler sees a wrong value when there is one
        ctx.close()
    finally:
        stop_server(server.proc)
    assert fresh.samples > 0 and fresh.wrong == 0, fresh
    assert warm.samples > 0 and warm.wrong == 0, warm
    assert control.wrong == control.samples > 0, control
