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
        n = len(self.problems)
        head = f"{source}: {n} {'problem' if n == 1 else 'problems'} found"    # a plural, never 'problem(s)'
        super().__init__(head + ("\n- " + "\n- ".join(self.problems) if self.problems else ""))


# --- the saved-datasets store (core.store) ---

class StoreError(RuntimeError):
    """Base of the saved-datasets store's errors; ``str(err)`` is a sentence a user can read."""


class StoreUnavailable(StoreError):
    """The store cannot be opened or used (corrupt or unreadable file, database down, busy for too
    long, schema newer than this app).  The app then runs on the shipped data with a banner."""


class UnknownDataset(StoreError, LookupError):
    """A dataset id is malformed or names no saved dataset."""


class DatasetRedacted(UnknownDataset):
    """The version was redacted by an operator: its content is gone; the message says when and why."""


class StoreLimitExceeded(StoreError):
    """A save was refused by a named limit (size, rows, saves per minute); the message names it."""
