"""The words of a download link's answer when there is no file to give (ui/downloads.py, issue 27):
one plain-text line each, never a traceback."""
from __future__ import annotations

DOWNLOAD_EXPIRED = "This download has expired; reload the page."
DOWNLOAD_FAILED = "This file could not be made; reload the page and try again."
SLIDE_ROW_LEAD = "Slide 16:9 with caption:"
