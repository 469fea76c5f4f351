"""Opening a page of the app through AppTest, as a user arriving by a link would."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.data import USER_DATASET_KEY

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_page(page: str, query: dict | None = None, dataset=None) -> AppTest:
    """``page`` (e.g. "pages/your_data.py") after app.py's first run, with ``query`` in the URL and
    ``dataset`` as the session's own; fails if anything raised."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if dataset is not None:
        at.session_state[USER_DATASET_KEY] = dataset
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at
