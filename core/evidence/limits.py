"""The size limits on what a user may load, defined once for every reader.

They keep a malformed or hostile file from exhausting memory or the plot.  The outcome-data
upload (:mod:`core.evidence.upload`), the reported-results upload
(:mod:`core.evidence.reported_csv`) and the schema checks (:mod:`core.evidence.dataset`) all use
these.  ``.streamlit/config.toml`` sets ``server.maxUploadSize = 5`` (MB), above
``MAX_UPLOAD_BYTES``, so that a too-large file reaches our reader and gets its message rather
than Streamlit's (tests/core/test_upload.py checks the order).
"""
from __future__ import annotations

MAX_UPLOAD_BYTES = 2_000_000            # 2 MB: ~20 000 outcome rows; the shipped table is 9 kB
MAX_UPLOAD_ROWS = 5_000                 # rows of one uploaded table
MAX_ROWS = 20_000                       # rows of any outcome table validated (also one edited in the app)
MAX_ABS_VALUE = 1e9                     # |number| above this is a typing error, not a measurement
MAX_COLUMNS = 60
MAX_CELL_CHARS = 5_000
MAX_XLSX_UNCOMPRESSED = 50_000_000      # guards against zip bombs disguised as .xlsx
