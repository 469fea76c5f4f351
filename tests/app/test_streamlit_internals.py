"""The one place the app leans on Streamlit internals: ui.components.ensure_shell_ran (a deep link
to a fresh server runs pages/<page>.py alone, in Streamlit's v1 multipage mode, until app.py has
called st.navigation once in the process).  These tests fail when a Streamlit upgrade changes
what the adapter relies on; tests/e2e/test_deeplink_first_paint.py checks the behaviour itself."""
from __future__ import annotations

import inspect
from pathlib import Path

from streamlit.commands import navigation
from streamlit.runtime import pages_manager
from streamlit.runtime.scriptrunner import get_script_run_ctx, script_runner

APP_DIR = Path(__file__).resolve().parents[2]


def test_a_pages_folder_next_to_the_main_script_turns_v1_mode_on():
    """(Read from the source: tests/conftest.py patches PagesManager.__init__ for AppTest.)"""
    source = inspect.getsource(pages_manager.PagesManager)
    assert "uses_pages_directory: bool | None = None" in source
    assert "if PagesManager.uses_pages_directory is None:" in source and '/ "pages"' in source
    assert (APP_DIR / "pages").is_dir()


def test_the_script_runner_runs_the_page_alone_in_v1_mode_and_st_navigation_ends_it():
    runner = inspect.getsource(script_runner)
    assert "if PagesManager.uses_pages_directory:" in runner and "_mpa_v1(self._main_script_path)" in runner
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation)


def test_the_run_context_names_the_page_the_adapter_switches_to():
    """ensure_shell_ran reads ctx.pages_manager.get_pages()[ctx.page_script_hash]["script_path"]."""
    assert callable(get_script_run_ctx)
    assert "script_path" in inspect.getsource(pages_manager.PagesManager.get_pages) or \
        "script_path" in inspect.getsource(navigation)
    params = inspect.signature(pages_manager.PagesManager.get_pages).parameters
    assert list(params) == ["self"]
