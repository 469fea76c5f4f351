"""MSC-DM Evidence Explorer statistics core.

A pure-Python meta-analysis library (no Streamlit) behind the dashboard.  One module per
statistical idea: ``effect_sizes``, ``conversions``, ``heterogeneity``, ``pooling``,
``subgroups``, ``dataset`` (loading and schema checks), ``analysis`` (data + settings ->
forest analysis) and ``figures`` (plotly builders).
"""
from core.errors import DatasetError, InsufficientStudiesError

__all__ = ["DatasetError", "InsufficientStudiesError"]
