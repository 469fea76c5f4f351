"""Suite-wide fixtures, and the floor on the number of tests the whole suite collects."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# The least number of tests the whole suite collects (first token of the file).  A test file that stops
# being collected (renamed without test_, an emptied parametrisation, a conftest that filters) would
# otherwise leave CI green; raise the number when you add tests, lower it only when you remove some.
COLLECTED_FLOOR = Path(__file__).with_name("collected_floor.txt")


def recorded_floor(path: Path = COLLECTED_FLOOR) -> int:
    return int(path.read_text(encoding="utf-8").split()[0])


def floor_problem(collected: int, floor: int) -> str | None:
    """The sentence that fails a whole-suite run collecting fewer than ``floor`` tests; None if enough."""
    if collected >= floor:
        return None
    return (f"only {collected} tests were collected, fewer than the floor of {floor} recorded in "
            f"{COLLECTED_FLOOR.name}: a test file is no longer collected, or tests were removed (then lower the floor)")


def pytest_collection_finish(session):
    """A whole-suite run (pytest with no paths, -k, -m or --deselect, as scripts/test.sh and CI run it)
    fails before any test runs when it collected fewer tests than the recorded floor."""
    config = session.config
    if (config.args_source != pytest.Config.ArgsSource.TESTPATHS or config.option.keyword
            or config.option.markexpr or config.getoption("deselect")):
        return
    problem = floor_problem(len(session.items), recorded_floor())
    if problem:
        pytest.exit(problem, returncode=pytest.ExitCode.TESTS_FAILED)


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


@pytest.fixture(autouse=True)
def _apptest_reads_figures_from_st_plotly_chart(request, monkeypatch):
    """AppTest runs no JavaScript: outside the browser tests, figures are drawn by st.plotly_chart
    (ui/chart.py's fallback, ``MSCDM_CHARTS=native``) so tests read each figure's spec from it.
    tests/app/test_chart.py sets "live" itself; the browser tests' servers draw in place."""
    if "e2e" not in request.node.path.parts:
        monkeypatch.setenv("MSCDM_CHARTS", "native")


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
