"""The app shell (app.py): a page listed in the navigation whose file is missing stops the app with
a message naming the file, instead of the page silently disappearing from the navigation."""
from __future__ import annotations

import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def test_every_listed_page_exists_and_the_app_runs():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]


def test_a_missing_page_file_fails_loudly(tmp_path, caplog):
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    shutil.copytree(ROOT / "pages", tmp_path / "pages")
    (tmp_path / "pages" / "events.py").unlink()
    at = AppTest.from_file(str(tmp_path / "app.py"), default_timeout=60).run()
    assert at.exception, "app.py ran although pages/events.py is missing"
    # Users see a redacted message (client.showErrorDetails = "none"); the log names the file.
    assert "FileNotFoundError" in caplog.text and "pages/events.py" in caplog.text
