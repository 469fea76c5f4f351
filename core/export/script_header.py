"""The header comments that the Python and R reproduce scripts share: when and from what they were
generated, and every setting of the view (:func:`core.words.settings_lines`)."""
from __future__ import annotations

from datetime import datetime, timezone


def comment_text(text) -> str:
    """Text safe inside a one-line script comment: no line breaks or other control characters."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))


def header_comments(dataset_name: str, settings: list[str]) -> list[str]:
    """'# Generated <UTC time> from: <dataset>', '# Settings:' and one '#   <line>' per setting."""
    return [f"# Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC from: {comment_text(dataset_name)}",
            "# Settings:", *[f"#   {comment_text(line)}" for line in settings]]
