"""Domain exceptions that pages turn into plain-language messages."""
from __future__ import annotations


class InsufficientStudiesError(ValueError):
    """Raised when a pooled analysis is asked for with k = 0 studies.

    metafor stops in the same situation ("Stopped because k = 0."). k = 1 is allowed
    and gives tau^2 = 0, Q = 0, I^2 = 0, as RevMan 5 does.
    """

    def __init__(self, k: int, what: str = "studies", message: str | None = None):
        self.k = k
        super().__init__(message or f"No {what} left to pool (k = {k}).")


class DatasetError(ValueError):
    """Raised when a dataset fails its schema check.

    ``problems`` lists every problem found (row, column, value, expectation), so a
    user sees all of them at once rather than one per upload.
    """

    def __init__(self, problems: list[str], source: str = "dataset"):
        self.problems = list(problems)
        self.source = source
        head = f"{source}: {len(self.problems)} problem(s) found"
        super().__init__(head + ("\n- " + "\n- ".join(self.problems) if self.problems else ""))
