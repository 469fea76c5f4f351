"""The saved dataset in use: the ``ds=<id>`` URL parameter, beside the shared choices.

app.py calls :func:`resolve` once per run, before anything reads the data: a valid ``ds`` makes
every page use that saved version (loaded once per process and id: versions never change); an
unknown or malformed one falls back to the shipped data with a URL notice; a store that cannot be
opened (a corrupt file, an unreachable database) leaves the app on the shipped data with a plain
error banner, and the file untouched.  Everything is keyed by the id alone, so two replicas on one
database serve the same link the same way; the session only remembers the id (so that page
switches, which rewrite the URL, keep it).
"""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, replace

import streamlit as st

from core.certainty import CertaintyInputs
from core.errors import DatasetError, StoreError, StoreLimitExceeded, StoreUnavailable, UnknownDataset
from core.evidence.dataset import Dataset, load_dataset
from core.store import ENV_DATABASE_URL, ENV_STATE_DIR, DatasetVersion, Limits, Store, open_store
from core.store.tables import reads_back_as_itself, version_dataset, version_inputs, version_tables
from core.words import BANNER_PARENT, BANNER_SAVED, STORE_DOWN, UNKNOWN_DS
from core.words.workbench import BANNER_SAVED_HERE, DEFAULT_DATASET_NAME, STORE_READ_ONLY
from ui.cache import cached

DS_PARAM = "ds"
USER_DATASET_KEY = "user_dataset"   # session_state slot for a Dataset used in this session only (no store)
IN_USE_KEY = "_ds_in_use"       # this run's DatasetInUse
ID_KEY = "_ds_id"               # the id the session uses (survives page switches that rewrite the URL)
TOKEN_KEY = "_ds_session"
NOTICE_KEY = "_ds_notice"       # why the link's dataset could not be opened
SAVED_HERE_KEY = "_ds_saved_here"   # ids this session saved (its banner says so instead of "read-only")
# Behind a proxy, the header that carries the client's address (deploy/nginx.conf sets X-Real-IP);
# unset, the connection's peer is the client.  Only a trusted proxy's header may be named here.
ENV_CLIENT_HEADER = "MSCDM_CLIENT_ADDRESS_HEADER"
SAVE_ERRORS = (StoreLimitExceeded, StoreUnavailable, UnknownDataset, DatasetError)


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """The store the settings name, or why it cannot be used."""

    store: Store | None
    error: str | None


@dataclass(frozen=True, slots=True)
class SavedDataset:
    """A saved version, its checked Dataset and the certainty inputs it carries."""

    version: DatasetVersion   # id, parent, edits: what the banner and the history show
    dataset: Dataset          # the tables, schema-checked on load
    inputs: CertaintyInputs   # risk-of-bias judgements, MIDs, indirectness (checked on load; defaults if none)


# The dataset in data/, validated once per process.
shipped_dataset = cached(load_dataset, max_entries=1, resource=True)


@dataclass(frozen=True, slots=True)
class DatasetInUse:
    """What this run uses: a saved version (``saved``) or the shipped data (None), with the
    store's error when it is unavailable; ``dataset`` is the one every page of the run reads (the
    session's own when one is set, else the saved version's, else the shipped one), decided once."""

    saved: SavedDataset | None = None
    store_error: str | None = None
    dataset: Dataset | None = None
    own: Dataset | None = None          # the session's own dataset it was decided with (USER_DATASET_KEY)

    @property
    def id(self) -> str | None:
        return self.saved.version.id if self.saved else None


def _settings() -> tuple:
    return tuple(os.environ.get(k, "") for k in (ENV_DATABASE_URL, ENV_STATE_DIR, "MSCDM_MAX_DATASET_BYTES",
                                                  "MSCDM_MAX_DATASET_ROWS", "MSCDM_MAX_SAVES_PER_MINUTE",
                                                  "MSCDM_MAX_CLIENT_SAVES_PER_MINUTE", "MSCDM_MAX_CLIENT_SAVES_PER_DAY",
                                                  "MSCDM_MAX_STORE_BYTES"))


def store_of(settings: tuple) -> Store:
    """The store the environment names (``settings``: its values, the cache key); a failure raises."""
    return open_store(limits=Limits.from_env())


_open_store = cached(store_of, max_entries=8, resource=True)     # a failure is not kept


_FAILED: dict[tuple, tuple[float, str]] = {}          # settings -> (when, why): retried after RETRY_SECONDS
RETRY_SECONDS = 30.0


def _open(settings: tuple) -> StoreStatus:
    failed = _FAILED.get(settings)
    if failed and time.monotonic() - failed[0] < RETRY_SECONDS:
        return StoreStatus(None, failed[1])
    try:
        store = _open_store(settings)
    except StoreUnavailable as exc:
        _FAILED[settings] = (time.monotonic(), str(exc))
        return StoreStatus(None, str(exc))
    _FAILED.pop(settings, None)
    return StoreStatus(store, None)


def store_status() -> StoreStatus:
    """The store of the current settings: opened once per process and settings; a store that
    cannot be opened is tried again after RETRY_SECONDS (a database back up, a file repaired)."""
    return _open(_settings())


def saved_version(settings: tuple, dataset_id: str, *, just_saved: SavedDataset | None = None) -> SavedDataset:
    """The saved version ``dataset_id``, read and checked; ``just_saved``: the version this process has
    just saved, already checked, which is used as it is (the save's one validation)."""
    if just_saved is not None:
        return just_saved
    version = _open(settings).store.get(dataset_id)
    dataset = version_dataset(version)
    return SavedDataset(version, dataset, version_inputs(version, dataset))


_load = cached(saved_version, max_entries=64, resource=True)     # by id: versions never change


def load_saved(dataset_id: str) -> SavedDataset:
    """The saved version ``dataset_id`` (cached by id); raises UnknownDataset, StoreUnavailable or
    DatasetError."""
    status = store_status()
    if status.store is None:
        raise StoreUnavailable(status.error)
    return _load(_settings(), dataset_id)


def _put_id(dataset_id: str | None) -> None:
    if dataset_id:
        st.session_state[ID_KEY] = dataset_id
        if st.query_params.get(DS_PARAM) != dataset_id:
            st.query_params[DS_PARAM] = dataset_id
    else:
        st.session_state.pop(ID_KEY, None)
        if DS_PARAM in st.query_params:
            del st.query_params[DS_PARAM]


def resolve(notices: list[str]) -> DatasetInUse:
    """Decide this run's dataset from ``ds`` (else the session's id); append a notice for an id
    that cannot be opened.  Call once per run, before the data are read."""
    raw = st.query_params.get(DS_PARAM) or st.session_state.get(ID_KEY)
    status = store_status()
    saved = None
    if raw:
        try:
            saved = load_saved(raw)
            st.session_state.pop(NOTICE_KEY, None)
        except (UnknownDataset, DatasetError, StoreUnavailable) as exc:
            detail = "; ".join(exc.problems[:3]) if isinstance(exc, DatasetError) else str(exc)
            st.session_state[NOTICE_KEY] = UNKNOWN_DS.format(detail=detail)
    if st.session_state.get(NOTICE_KEY):      # kept for the session, until another dataset is chosen
        notices.append(st.session_state[NOTICE_KEY])
    own = st.session_state.get(USER_DATASET_KEY)
    use = DatasetInUse(saved, status.error, own or (saved.dataset if saved else shipped_dataset()), own)
    _put_id(use.id)
    st.session_state[IN_USE_KEY] = use
    return use


def in_use() -> DatasetInUse:
    """This run's :class:`DatasetInUse` (resolved by app.py; again after a save, or when the session's
    own dataset is set or dropped)."""
    use = st.session_state.get(IN_USE_KEY)
    if isinstance(use, DatasetInUse) and use.own is st.session_state.get(USER_DATASET_KEY):
        return use
    return resolve([])


def saved_dataset() -> Dataset | None:
    """The saved dataset this run uses, else None."""
    saved = in_use().saved
    return saved.dataset if saved else None


def banner_text(prefix_len: int = 8) -> str | None:
    """The banner naming the saved dataset and its parent, or None on the shipped data."""
    saved = in_use().saved
    if saved is None:
        return None
    v = saved.version
    parent = BANNER_PARENT.format(parent=v.parent_id) if v.parent_id else ""
    own = v.id in st.session_state.get(SAVED_HERE_KEY, ())
    return (BANNER_SAVED_HERE if own else BANNER_SAVED).format(name=v.name, id=v.id, parent=parent)


def store_error_text() -> str | None:
    """The plain error banner when the store cannot be used, or when it refuses saves (a failed
    integrity check): it names the problem, never the server's paths."""
    err = in_use().store_error
    if err:
        return STORE_DOWN.format(detail=err)
    store = store_status().store
    return STORE_READ_ONLY.format(detail=store.write_refused) if store is not None and store.write_refused else None


def client_address() -> str | None:
    """The client's address: the trusted proxy's header when ``MSCDM_CLIENT_ADDRESS_HEADER`` names
    one (its first address), else the connection's peer; None when unknown (no limit per client then)."""
    header = os.environ.get(ENV_CLIENT_HEADER, "").strip()
    try:
        raw = st.context.headers.get(header) if header else st.context.ip_address
    except Exception:       # no request context (a bare script run): no address
        return None
    raw = str(raw or "").split(",")[0].strip()
    return raw[:64] or None


def session_token() -> str:
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        token = st.session_state[TOKEN_KEY] = secrets.token_urlsafe(12)
    return token


def version_name() -> str:
    """The name a new version takes unless the user gives one: that of the version in use, else the default."""
    saved = in_use().saved
    return saved.version.name if saved else DEFAULT_DATASET_NAME


def save_new_version(ds: Dataset, *, name: str | None = None, edits=(), inputs: CertaintyInputs | None = None,
                     parent: SavedDataset | None = None) -> DatasetVersion:
    """Save ``ds`` with the certainty ``inputs`` (default: those of its parent, carried to ``ds``)
    as a new version named ``name`` (default: :func:`version_name`) whose parent is ``parent``
    (default: the one in use), and make it the one in use (URL ``ds`` and session): the one save
    behind the entry form, an upload or import, and a certainty judgement.  Raises one of
    :data:`SAVE_ERRORS` with a sentence; nothing changes then."""
    status = store_status()
    if status.store is None:
        raise StoreUnavailable(STORE_DOWN.format(detail=status.error))
    name = version_name() if name is None else name
    saved = parent or in_use().saved
    if inputs is None:
        inputs = saved.inputs.carried_to(ds) if saved else CertaintyInputs.default(ds)
    tables = version_tables(ds, inputs)
    version = status.store.save(tables, parent_id=saved.version.id if saved else None,
                                name=name, edits=edits, session=session_token(), client=client_address())
    if reads_back_as_itself(ds, tables):      # the rerun uses ds as it is: its tables are read and checked no second time
        _load(_settings(), version.id, just_saved=SavedDataset(version, replace(ds, name=version.name), inputs))
    st.session_state[SAVED_HERE_KEY] = (*st.session_state.get(SAVED_HERE_KEY, ()), version.id)
    _put_id(version.id)
    st.session_state.pop(IN_USE_KEY, None)
    st.session_state.pop(NOTICE_KEY, None)
    return version


def use_shipped() -> None:
    """Go back to the shipped data (the saved versions stay saved)."""
    _put_id(None)
    st.session_state.pop(IN_USE_KEY, None)
    st.session_state.pop(NOTICE_KEY, None)


def lineage():
    """The version chain of the dataset in use (newest first), or None on the shipped data."""
    use = in_use()
    if use.saved is None or store_status().store is None:
        return None
    return store_status().store.history(use.id)


__all__ = ["DS_PARAM", "client_address", "DatasetInUse", "SAVE_ERRORS", "SavedDataset", "StoreError", "StoreStatus", "banner_text",
           "in_use", "lineage", "load_saved", "resolve", "save_new_version", "saved_dataset", "session_token",
           "store_error_text", "store_status", "use_shipped"]
