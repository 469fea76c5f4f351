"""The size limits on what a user may load, defined once for every reader.

They keep a malformed or hostile file from exhausting memory or the plot.  The outcome-data
upload (:mod:`core.evidence.upload`), the zip import (:mod:`core.evidence.bundle`), the
reported-results upload (:mod:`core.evidence.reported_csv`) and the schema checks
(:mod:`core.evidence.dataset`) all use these; :mod:`core.evidence.bounded` applies them *while*
reading, so a file is refused at the first row, cell or byte over a limit (issue 23, item 3).
``.streamlit/config.toml`` sets ``server.maxUploadSize = 5`` (MB), above ``MAX_UPLOAD_BYTES``,
so that a too-large file reaches our reader and gets its message rather than Streamlit's
(tests/core/test_upload.py checks the order).  docs/reliability.md lists them all.

The number of uploads parsed at once in one server process is a setting,
``MSCDM_MAX_CONCURRENT_PARSES`` (default :data:`MAX_CONCURRENT_PARSES`); see
:mod:`core.evidence.parse_gate`.
"""
from __future__ import annotations

MAX_UPLOAD_BYTES = 2_000_000            # 2 MB: ~20 000 outcome rows; the shipped table is 9 kB
MAX_UPLOAD_ROWS = 5_000                 # rows of one uploaded table
MAX_ROWS = 20_000                       # rows of any outcome table validated (also one edited in the app)
MAX_ABS_VALUE = 1e9                     # |number| above this is a typing error, not a measurement
MAX_COLUMNS = 60
MAX_CELL_CHARS = 5_000
MAX_XLSX_UNCOMPRESSED = 50_000_000      # bytes a workbook or an imported zip may inflate to, counted as inflated
MAX_XLSX_PART_BYTES = 5_000_000         # bytes of one workbook part other than a sheet or the shared strings
MAX_XLSX_MEMBERS = 200                  # parts of one workbook (Excel writes ~10 plus ~2 per sheet)
MAX_XLSX_CELLS = 150_000                # <c> elements of all sheets (5 001 rows x 30 columns); openpyxl reads ~30 000/s
MAX_XLSX_LAST_ROW = 20_000              # rows of a sheet read, blank ones included (a gap costs a step each)
MAX_ZIP_MEMBERS = 20                    # files in an imported dataset zip (the export writes 7)
MAX_CONCURRENT_PARSES = 2               # uploads parsed at once per server process (2 cores on the reference host)
PARSE_WAIT_SECONDS = 30.0               # how long an upload waits for a free slot before it is refused
ENV_MAX_CONCURRENT_PARSES = "MSCDM_MAX_CONCURRENT_PARSES"
