"""The words of the extraction workbench (the "Your data" page): saved-dataset banners, the
entry form's sections, the one-line effect of a save, and the list of changes for export."""
from __future__ import annotations

from core.vocab import Comparison

SHORT_COMPARISON = {Comparison.VS_CONTROL: "vs control", Comparison.PRE_POST: "before vs after"}
BANNER_SHIPPED = "Dataset: {name}"
BANNER_SAVED = "Dataset: saved dataset “{name}” (id {id}{parent}) · read-only: an edit saves a new version"
BANNER_SAVED_HERE = "Dataset: saved dataset “{name}” (id {id}{parent}) · saved by you: a further edit saves a new version"
BANNER_PARENT = ", parent {parent}"
STORE_READ_ONLY = "Saving is turned off. {detail}"
STORE_DOWN = ("Saved datasets are unavailable, so the app runs on the shipped data and nothing can be saved. "
              "{detail}")
UNKNOWN_DS = "The dataset in the link could not be opened ({detail}); showing the shipped data."
SAVED_NOTICE = "Saved as a new version (id {id}); every page now uses it, and the link holds it."
ARM_SECTION = {"msc": "MSC arm", "control": "Control arm"}
BEFORE_SECTION = "Before (baseline, MSC arm)"
AFTER_SECTION = "After ({when}, MSC arm)"
EFFECT_LINE = ("{locator}, {outcome} {comparison}, {population}: now {count}; "
               "recomputed {recomputed} against the paper's {printed}: {status}.")
EFFECT_COUNT = "{k_used} of {k_cited} studies"          # the paper's studies, some or all with numbers
EFFECT_COUNT_MORE = "{k_used} studies (the paper pooled {k_cited})"   # more than the paper: never "3 of 2"
EFFECT_CANNOT = "{locator}, {outcome} {comparison}, {population}: still cannot be recomputed ({why})."
EFFECT_NONE = "{outcome}: no pooled result of the paper uses this cell; the forest plot and the other pages use it."
CHANGES_HEADER = ("Changes to propose to data/ ({n} cell(s) added or changed against the shipped data of "
                  "MSC-DM Evidence Explorer)")
CHANGE_LINE = "{cell}: {old} -> {new}  | source: {source}  | locator: {locator}{quote}"
NO_CHANGES = "No cell differs from the shipped data."
EDITOR_STALE = ("The table in the editor was made on an older version ({old}); a newer version ({new}) has been "
                "saved since, and every page uses it. Load the version in use (the editor's table is discarded), "
                "or tick the box below to save this table as the newest version anyway.")
EDITOR_REPLACE = "Save my table anyway: the changes saved since the editor was loaded will not be in it"
EDITOR_STALE_REFUSED = ("Not saved: the editor's table was edited from an older version, and a newer one is in use. "
                       "Saving it would drop the newer changes; load the version in use, or tick the box to save "
                       "your table anyway.")
DTYPE_CLEARED = ("Dispersion changed from {old} to {new}: the values typed for the {old} ({values}) were cleared, so "
                 "that none of them is read with another meaning. Type the numbers as printed.")
DEFAULT_DATASET_NAME = "My extraction"      # a saved version's name until the user gives one
