"""From the evidence and a view's choices to results: ``analysis`` (AnalysisSpec -> ForestAnalysis, the
single call a page makes), ``selection`` (which rows and numbers a view uses), ``recompute`` and
``reproduce`` (a reported result's analysis, and the one reported-vs-recomputed classifier), ``audit``
and ``claims`` (the printed statistics checked for internal consistency), ``robustness`` (every single
change to a view), ``trajectory`` (pooled effect by time point), ``small_study`` (the small-study
report).  Built on the statistics modules at the top of ``core``."""
