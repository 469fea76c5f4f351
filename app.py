"""MSC-DM Evidence Explorer: entry point.

Draws the shared sidebar (every choice bound to the URL, so a view can be shared), then
runs the selected page.  Run with ``streamlit run app.py``.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import state as S
from ui.controls import SIDEBAR, draw
from ui.data import current_dataset
from ui.datasets import resolve as resolve_dataset
from ui.share import copy_link_control

APP_DIR = Path(__file__).resolve().parent

# (file, title, icon).  Pages are listed explicitly: with st.navigation, pages/ is not
# auto-discovered.
PAGES = (
    ("pages/forest.py", "Forest plot", ":material/forest:"),
    ("pages/sensitivity.py", "Sensitivity", ":material/tune:"),
    ("pages/characteristics.py", "Which MSC therapy?", ":material/science:"),
    ("pages/followup.py", "Follow-up", ":material/timeline:"),
    ("pages/small_study.py", "Small-study effects", ":material/filter_alt:"),
    ("pages/summary_of_findings.py", "Summary of findings", ":material/verified:"),
    ("pages/reproduce.py", "Check the paper", ":material/fact_check:"),
    ("pages/studies.py", "Studies", ":material/table:"),
    ("pages/events.py", "Events", ":material/event_note:"),
    ("pages/flow.py", "Study flow", ":material/account_tree:"),
    ("pages/your_data.py", "Your data", ":material/upload_file:"),
)


def check_pages(pages, app_dir: Path = APP_DIR):
    """The page table, after checking that every page's file exists.

    A missing file is a broken install or a renamed page: fail with its name rather than
    silently leaving the page out of the navigation.
    """
    missing = [path for path, _title, _icon in pages if not (app_dir / path).is_file()]
    if missing:
        raise FileNotFoundError(f"app.py lists page file(s) that do not exist under {app_dir}: "
                                f"{', '.join(missing)}")
    return pages


def sidebar(study_ids: list[str], study_labels: dict[str, str]) -> None:
    """The shared choices, each bound to the URL."""
    studies = {"options": study_ids, "format_func": lambda s: study_labels.get(s, s)}
    for heading, keys in SIDEBAR:
        box = st.sidebar if heading is None else st.sidebar.expander(heading)
        for key in keys:
            draw(key, container=box, bind="query-params", **(studies if key == "exclude" else {}))


def run() -> None:
    """Build the page navigation and the sidebar, then run the selected page."""
    # An emoji icon renders locally; a :material/...: page icon makes the browser fetch a favicon
    # from fonts.gstatic.com (caught by tests/e2e/test_no_network.py).
    st.set_page_config(page_title="MSC-DM Evidence Explorer", page_icon="🧬", layout="wide")
    ds_notices: list[str] = []
    resolve_dataset(ds_notices)           # ?ds=<id>: the saved dataset every page uses
    dataset = current_dataset()
    ids = dataset.studies["study_id"].tolist()
    labels = dataset.study_labels()
    S.carry_choices_into_url(st.query_params, st.session_state, labels)   # an in-app page switch keeps the view
    st.session_state["_url_notices"] = ds_notices + S.validate_query_params(st.query_params, labels.values())
    pages = [st.Page(path, title=title, icon=icon, default=(i == 0))
             for i, (path, title, icon) in enumerate(check_pages(PAGES))]
    sidebar(ids, labels)
    nav = st.navigation(pages)
    copy_link_control(page=nav)
    nav.run()


if __name__ == "__main__":        # every session's script run (Streamlit runs this file as __main__)
    run()
else:       # `streamlit run app.py` imports this module to serve it: an st.App with ui/server.py's additions
    from starlette.middleware import Middleware

    from ui.downloads import route as download_route
    from ui.server import PageShell, lifespan

    # The download rows' links (ui/downloads.py) are answered by download_route, in this process.
    app = st.App(__file__, middleware=[Middleware(PageShell)], lifespan=lifespan, routes=[download_route()])
