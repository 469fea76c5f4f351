"""The words a user reads, in one place.

- ``formats``: number formats and the statistical lines of a forest plot;
- ``phrases``: the phrases that name a view's parts (comparison, population, time point, measure
  and unit) -- the only place that writes a population;
- ``views``: the three descriptions of a view (page line, slide caption, settings lines);
- ``choices``: the sidebar labels, help texts and table headings;
- ``statuses``: reproduction statuses, audit flags and entry-form words;
- ``certainty``: the words of GRADE certainty and risk of bias.

Pages, figures, exports and tests share them; pages keep no text dictionaries.  Every public name
is re-exported here (``from core.words import fmt_ci``).  Codes come from :mod:`core.vocab`.
"""
# ruff: noqa: F401  (re-exports)
from core.words.formats import (MINUS, fmt_num, fmt_p, fmt_ci, heterogeneity_line, overall_effect_line,
    prediction_interval_line, subgroup_test_line, model_label, favours_labels)
from core.words.phrases import (COMPARISON_LABELS, POPULATION_CHOICES, BOTH_TYPES, EMPTY_SUBGROUP, TOTAL_ONLY, population_phrase,
    timepoint_phrase, measure_unit, unit_suffix, view_title, POPULATION_HELP)
from core.words.views import (DATA_SOURCE, EFFECT_NAMES, CHANGE_NAMES, view_line, study_count, sof_studies, studies_in_scope,
    independent_prepost, effect_description, model_description, slide_caption, settings_lines)
from core.words.choices import (VARIANT_FAMILY_LABELS, VARIANT_SMD_LABELS, VARIANT_PREPOST_LABELS,
    VARIANT_DESIGN_LABELS, CHANGE_FIELD_NAMES, CHANGE_VALUE_NAMES, MODEL_LABELS, TAU2_LABELS, TIMEPOINT_LABELS, SMD_VARIANT_LABELS,
    DESIGN_LABELS, PREPOST_LABELS, SET_LABELS, MEASURE_LABELS, HELP, TABLE_HEADINGS, FIGURE_FORMAT_LABELS,
    STUDY_SET_WORDS, CHANGED_WORD)
from core.words.statuses import (STATUS_REPRODUCED, STATUS_DIFFERS, STATUS_CANNOT, STATUS_OTHER_MEASURE,
    STATUS_PARTIAL, partial_status,
    AUDIT_FLAG_TEXT, DISPERSION_LABELS, ARM_LABELS, ENTRY_NOTE, SUPERSEDED_NOTE, SIGNIFICANCE_FLIP, INCLUDES, EXCLUDES)
from core.words.notices import (other_measure_sentence, switch_measure_label, headline_measure, hksj_notices,
    usable_share_line, DESIGN_CLASS_LABELS, ONE_STUDY_ROBUSTNESS, MOST_INFLUENTIAL_LEGEND, printed_with_minus,
    signed_difference, reader_numbers, result_label, paper_count_note, NOT_INCLUDED_REF, stage_label,
    UPLOAD_READING_NOTES, SIDEBAR_IGNORED, EVENT_LABELS, EVENT_PAPER_WORDS, SEARCH_HEADING, SEARCH_ANCHOR,
    SEARCH_DESCRIPTION)
from core.words.certainty import (ROB_TOOL_LABELS, ROB_DESIGN_LABELS, ROB_DOMAIN_LABELS, ROB_LEVEL_LABELS,
    ROB_NOT_ASSESSED, ROB_NOT_ASSESSED_SOURCE, ROB_BEFORE_AFTER, ROB_BEFORE_AFTER_SOURCE, ROB_DERIVED,
    ROB_DERIVED_SOURCE, CERTAINTY_LABELS, CERTAINTY_SYMBOLS, CONCERN_LABELS, GRADE_DOMAIN_LABELS,
    GRADE_SOURCES, CERTAINTY_REASONS, MID_NOT_ESTABLISHED, MID_HBA1C_SOURCE, CERTAINTY_NO_EVIDENCE,
    CERTAINTY_NONE, CERTAINTY_OUTCOME_NOUNS, CERTAINTY_COMPARATORS, CERTAINTY_STATEMENTS,
    CERTAINTY_DIRECTION, CERTAINTY_VERY_UNCERTAIN, CERTAINTY_FOOTNOTE, CERTAINTY_ASSUMPTION, CERTAINTY_JUDGED, SOF_HEADINGS,
    CERTAINTY_SIZE_BASIS, CERTAINTY_MID_WORD, CERTAINTY_INTERVALS, CERTAINTY_EDGE_RAISED, CERTAINTY_ASSUMED_WORD, CERTAINTY_SIZE_WORDS, CERTAINTY_PROVISIONAL,
    SOF_FIGURE_TITLE, SOF_COMPARISONS, SOF_PROVISIONAL_MARK, SOF_START_NOTE, SOF_NO_FOOTNOTES, CERTAINTY_LINE, CERTAINTY_CAPTION, CERTAINTY_LINE_DOWN, CERTAINTY_LINE_NONE,
    CERTAINTY_LINE_LINK, JUDGEMENTS_SAVED, JUDGEMENTS_SESSION, JUDGEMENT_REASON_RULE, JUDGEMENT_SAVED,
    JUDGEMENTS_CLEARED, INDIRECTNESS_SAVED, INDIRECTNESS_RESET, IMPRECISION_SAVED, IMPRECISION_RESET,
    IMPRECISION_JUDGED, MID_SAVED, MID_RESET, JUDGEMENT_SAVED_VERSION,
    JUDGEMENT_SAVED_SESSION)
from core.words.workbench import (SHORT_COMPARISON, BANNER_SHIPPED, BANNER_SAVED, BANNER_PARENT, STORE_DOWN,
    UNKNOWN_DS, SAVED_NOTICE, ARM_SECTION, BEFORE_SECTION, AFTER_SECTION, EFFECT_LINE, EFFECT_CANNOT, EFFECT_NONE,
    CHANGES_HEADER, CHANGE_LINE, NO_CHANGES)
from core.words.downloads import DOWNLOAD_EXPIRED, DOWNLOAD_FAILED, SLIDE_ROW_LEAD
