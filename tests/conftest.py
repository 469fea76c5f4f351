"""Suite-wide fixtures."""
from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _state_dir_outside_the_repo(tmp_path_factory):
    """Every test (and every app server a test starts) keeps saved datasets in a temporary
    MSCDM_STATE_DIR, never in the repo's state/; a test that needs its own sets its own."""
    if not os.environ.get("MSCDM_STATE_DIR"):
        os.environ["MSCDM_STATE_DIR"] = str(tmp_path_factory.mktemp("mscdm-state"))
    yield


@pytest.fixture(autouse=True)
def _apptest_uses_st_navigation(monkeypatch):
    """Make AppTest treat app.py as an st.navigation app, as the real server does.

    AppTest resets ``PagesManager.uses_pages_directory`` before every run, so with a ``pages/``
    folder next to app.py each *rerun* executes the current page script alone (Streamlit's v1
    multipage mode), dropping app.py's sidebar widgets and their values.  The real server
    switches v1 off for good once app.py calls ``st.navigation``.  This patch does the same for
    AppTest, before each run decides.
    """
    from streamlit.runtime import pages_manager

    original = pages_manager.PagesManager.__init__

    def init(self, *args, **kwargs):
        pages_manager.PagesManager.uses_pages_directory = False
        original(self, *args, **kwargs)

    monkeypatch.setattr(pages_manager.PagesManager, "__init__", init)


# Property tests explore new examples on developers' machines, but CI replays a fixed,
# derandomised sequence so a landing never depends on the luck of the draw (a failure found
# locally is fixed and kept as an @example).
try:
    import os

    from hypothesis import settings as _hyp_settings

    _hyp_settings.register_profile("ci", derandomize=True, print_blob=True)
    if os.environ.get("CI"):
        _hyp_settings.load_profile("ci")
except ImportError:   # hypothesis is in requirements-dev.txt; the app itself does not need it
    pass
