"""Does a shared deep link's first paint show the link's view?  Samples the sidebar's radios on
every animation frame and on every DOM change from the page's first script on, and counts the
samples in which a radio shows a value other than the link's.  Used by
tests/e2e/test_deeplink_first_paint.py (which asserts) and bench/deeplink.py (which prints the counts).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from tests.support.appserver import CHART, wait_app_idle

# Every frame and every mutation: {radio label: checked option's text} of the sidebar's radios.
SAMPLER_JS = """(() => {
  window.__radioSamples = [];
  const sample = (why) => {
    const sb = document.querySelector('[data-testid="stSidebar"]');
    if (!sb) return;
    const state = {};
    for (const r of sb.querySelectorAll('[data-testid="stRadio"]')) {
      const label = r.querySelector('[data-testid="stWidgetLabel"]');
      const checked = r.querySelector('input[type="radio"]:checked');
      if (label && checked) state[label.innerText.trim()] = checked.closest('label').innerText.trim();
    }
    if (Object.keys(state).length) window.__radioSamples.push({t: performance.now(), why, state});
  };
  const frame = () => { sample('frame'); requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  new MutationObserver(() => sample('mutation')).observe(document, {subtree: true, childList: true,
                                                                    attributes: true, characterData: true});
})();"""

# A view that differs from the default in every radio the Forest plot's sidebar shows.
LINK = {"Comparison": "MSC vs control (end of follow-up)", "Population": "T2DM", "Measure": "SMD",
        "Model": "Random effects", "Studies": "Paper + newer trials"}
LINK_PARAMS = {"comparison": LINK["Comparison"], "population": LINK["Population"], "measure": LINK["Measure"],
               "model": LINK["Model"], "set": LINK["Studies"]}


@dataclass(frozen=True, slots=True)
class FirstPaint:
    """What the radios showed from the first paint until the app was idle."""

    samples: int          # samples in which every linked radio is drawn
    wrong: int            # samples in which a linked radio showed another value
    first_wrong: dict | None

    def line(self, name: str) -> str:
        return (f"{name:<14} samples {self.samples:5d}   showing a value not in the link: {self.wrong:4d}"
                + (f"   first: {self.first_wrong}" if self.first_wrong else ""))


def open_deep_link(context, base_url: str, path: str = "sensitivity", params: dict | None = None) -> FirstPaint:
    """Open ``path`` with the link's parameters (``params``: others, e.g. none for a control run)
    in a new tab of ``context`` and sample its radios until the app is idle."""
    page = context.new_page()
    page.add_init_script(SAMPLER_JS)
    page.goto(f"{base_url}/{path}?{urlencode(LINK_PARAMS if params is None else params)}")
    page.locator(CHART).first.wait_for(timeout=300_000)
    wait_app_idle(page, 300_000)
    page.wait_for_timeout(300)
    samples = page.evaluate("() => window.__radioSamples")
    page.close()
    drawn = [s for s in samples if all(k in s["state"] for k in LINK)]
    wrong = [s for s in drawn if any(s["state"][k] != v for k, v in LINK.items())]
    return FirstPaint(len(drawn), len(wrong), wrong[0]["state"] if wrong else None)

