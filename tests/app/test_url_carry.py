"""ui.state.carry_choices_into_url: what an in-app page switch writes back into the empty URL."""
from __future__ import annotations

from ui import state as S


def test_only_non_default_choices_are_written_as_the_widgets_expect_them():
    state = {"comparison": "vs_control", "population": S.DEFAULTS["population"], "r": 0.7, "hksj": True,
             "exclude": ["Cai2016"], "cols": [], "outcome": "not-an-outcome"}
    url: dict = {}
    written = S.carry_choices_into_url(url, state, {"Cai2016": "Cai 2016"})
    assert url == written == {"comparison": S.LABELS["comparison"]["vs_control"], "r": "0.7", "hksj": "true",
                              "exclude": ["Cai 2016"]}


def test_a_choice_already_in_the_url_or_absent_from_the_session_is_left_alone():
    url = {"comparison": S.LABELS["comparison"]["pre_post"]}
    assert S.carry_choices_into_url(url, {"comparison": "vs_control"}, {}) == {}
    assert url == {"comparison": S.LABELS["comparison"]["pre_post"]}
    assert S.carry_choices_into_url({}, {}, {}) == {}            # a fresh session: a bare URL opens the defaults
