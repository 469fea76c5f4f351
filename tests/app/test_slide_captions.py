"""Every slide carries its own caption (issue 24, item 5): each figure of every page is registered for
export with a caption that names that figure's content, and the slide built from it shows that caption.
Before, a figure shown without a caption exported with the Forest view's: the events, study-flow and
completeness slides said "HbA1c ... Model: fixed effect", and the Sensitivity variant's slide carried the
main analysis's caption."""
from __future__ import annotations

import html
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.export import slide_figure
from ui.export import _FIG_REGISTRY

APP = str(Path(__file__).resolve().parents[2] / "app.py")
# A view where every figure of the analysis pages is drawn: HbA1c before vs after on every trial (k >= 2).
VIEW = {"set": "all"}
# Each figure's key -> what the start of its caption must say.
SUBJECTS = {
    "forest_chart": "HbA1c · MSC after vs before treatment",
    "sens_compare_chart": "Sensitivity: the main analysis and a variant (Model: ",
    "sens_robustness_chart": "Robustness: the main analysis refitted under every single change",
    "sens_r_chart": "Sensitivity to the pre-post correlation r",
    "sens_loo_chart": "Leave-one-out: the pooled effect with each study left out",
    "sens_cum_chart": "Cumulative meta-analysis: the pooled effect as the studies are added",
    "split_chart": "Subgroups by diabetes type (as in the paper): each study",
    "bubble_chart": "Meta-regression on publication year: each study's effect",
    "followup_chart": "HbA1c · MSC after vs before treatment · MD",
    "funnel_chart": "Small-study effects: contour-enhanced funnel plot",
    "sof_chart": "Summary of findings",
    "completeness_chart": "Completeness map: which study × outcome × time point",
    "events_chart": "Insulin independence and a >50 % reduction in insulin dose",
    "flow_chart": "Study flow: from the records identified to the studies included",
    "wb_map": "Completeness of the paper's studies",
}
PAGES = ("pages/forest.py", "pages/sensitivity.py", "pages/characteristics.py", "pages/followup.py", "pages/small_study.py",
         "pages/summary_of_findings.py", "pages/studies.py", "pages/events.py", "pages/flow.py", "pages/your_data.py")


def _figures(at) -> dict:
    return dict(at.session_state[_FIG_REGISTRY]["figs"]) if _FIG_REGISTRY in at.session_state else {}


def test_every_figure_of_every_page_exports_with_its_own_caption():
    at = AppTest.from_file(APP, default_timeout=120).run()
    for key, value in VIEW.items():
        at.sidebar.radio(key=key).set_value(value).run()
    seen = {}
    for page in PAGES:
        at.switch_page(page).run()
        if page == "pages/sensitivity.py":      # a variant that differs: its slide must describe the variant
            at.radio(key="sens_model").set_value("random").run()
        if page == "pages/characteristics.py":  # a regressor every trial reports, so the bubble plot is drawn
            at.selectbox(key="regon").set_value("year").run()
        assert not at.exception, (page, [e.message for e in at.exception])
        seen.update({key: (page, caption, fig) for key, (_title, fig, caption) in _figures(at).items()})
    assert set(seen) == set(SUBJECTS), f"figures without an expected caption: {set(seen) - set(SUBJECTS)}; " \
                                       f"expected but not shown: {set(SUBJECTS) - set(seen)}"
    for key, (page, caption, fig) in seen.items():
        assert caption.startswith(SUBJECTS[key]), (key, page, caption)
        slide_text = " ".join(a.text or "" for a in slide_figure(fig, caption).layout.annotations)
        assert caption.split(".")[0][:40] in html.unescape(slide_text.replace("<br>", " ")), (key, slide_text[:300])
    for key in ("events_chart", "flow_chart", "completeness_chart"):      # the defect: the Forest view's words
        assert "HbA1c" not in seen[key][1] and "Model" not in seen[key][1], (key, seen[key][1])
    variant = seen["sens_compare_chart"][1]
    assert "a random-effects model" in variant, variant                    # the variant's own analysis
