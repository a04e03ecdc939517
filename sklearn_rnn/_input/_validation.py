"""The data contract: every accepted form of sequence input, turned into one.

Every estimator and transformer of sklearn-rnn reads its ``X`` through
:func:`check_sequences`, which accepts

- a 3D array ``(n_samples, n_timesteps, n_features)``;
- a 2D array ``(n_samples, n_timesteps)``, read as univariate sequences;
- a list (or 1D object array) of 2D arrays ``(length_i, n_features)`` or of 1D
  arrays ``(length_i,)``, of possibly different lengths;
- a pandas DataFrame with an ``(id, time)`` MultiIndex (a long table, see
  :mod:`sklearn_rnn._input._formats`);

and returns one internal form: a 3D padded array and the length of each
sequence. Timesteps that are NaN in every feature at the end of a sequence are
padding (the tslearn convention), so one array can carry sequences of
different lengths. In 3D arrays and lists, such steps at the start are padding
too (pre-padding, as Keras' ``pad_sequences`` writes by default); in a 2D
array, where scikit-learn's tools read NaN as a missing value, a NaN before
the last real step is missing, not padding. Sequences come back aligned to
step 0.
"""

import contextvars
import copy
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, validate_data

from .._warnings import warn_user
from ._formats import is_long_frame, long_frame_to_list

__all__ = ["Sequences", "check_sequences", "commit_input_attributes"]

# A 3D array of single-step sequences with this many features or more is most
# likely channels-first univariate series read the wrong way round: warned.
_MANY_FEATURES = 10
# A memmap read lazily is validated in blocks of about this many bytes of
# sequences: the memory of the check, whatever the size of the file.
LAZY_BLOCK_BYTES = 1 << 20
# What the messages of one check_sequences call name the input ("X"; a
# forecaster's series are its "y"), read by the helpers that raise them.
_INPUT_NAME = contextvars.ContextVar("input_name", default="X")


def step_offsets(lengths):
    """Where each sequence starts when the sequences' steps are concatenated."""
    return np.cumsum(lengths) - lengths


class Sequences(NamedTuple):
    """Validated sequences: padded values and the length of each sequence."""

    values: np.ndarray
    """``(n_samples, max_length, n_features)``; steps past a length hold the
    padding value. With ``check_sequences(lazy=True)``, a 3D ``numpy.memmap``
    comes back itself, on disk, its padding steps as given (NaN)."""
    lengths: np.ndarray
    """``(n_samples,)`` int64, each at least 1."""
    is_2d: bool
    """Whether ``X`` came as a 2D array of univariate sequences."""
    offsets: np.ndarray | None = None
    """With ``flat=True`` for a list: where each sequence starts in ``values``,
    which is then ``(total_steps + 1, n_features)``, its last row zeros."""
    input_attributes: dict | None = None
    """With ``reset=True``: the input attributes a fit on ``X`` sets
    (``n_features_in_``, ``n_channels_in_``, ``feature_names_in_``...), for
    :func:`commit_input_attributes` once everything else is validated."""
    starts: np.ndarray | None = None
    """Where each sequence's first real step is in ``X`` as given (leading
    padding), or None when every sequence starts at step 0."""

    @property
    def mask(self) -> np.ndarray:
        """``(n_samples, max_length)`` bool: True on real (not padding) steps."""
        return np.arange(self.values.shape[1]) < self.lengths[:, None]

    def input_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, columns)`` of every real step in ``X`` as given (an
        array, after any leading padding): the sequences' steps one after
        the other, the order of ``values[mask]``."""
        rows = np.repeat(np.arange(len(self.lengths)), self.lengths)
        shift = step_offsets(self.lengths)
        if self.starts is not None:
            shift = shift - self.starts
        return rows, np.arange(len(rows)) - np.repeat(shift, self.lengths)

    def like_input(self, flat, as_list):
        """Values of the real steps (one row each, in the order of
        ``values[mask]``) in the form of ``X``: a list of ``(length_i, ...)``
        arrays, or an array ``(n_samples, n_timesteps, ...)`` aligned with
        ``X`` whose padding steps are NaN."""
        if as_list:
            return np.split(flat, np.cumsum(self.lengths)[:-1])
        n, width = len(self.lengths), self.values.shape[1]
        if len(flat) == n * width:  # no padding: every step is real
            return flat.reshape(n, width, *flat.shape[1:])
        kind = flat.dtype.kind
        dtype = flat.dtype if kind == "f" else np.float64 if kind in "biu" else object
        out = np.full((n, width, *flat.shape[1:]), np.nan, dtype=dtype)
        out[self.input_positions()] = flat
        return out


def is_sequence_list(X):
    """Whether ``X`` is a collection of separate sequences (a list, a 1D
    object array, a long frame) rather than one array."""
    if isinstance(X, np.ndarray):
        return X.dtype == object and X.ndim == 1
    return isinstance(X, (list, tuple)) or is_long_frame(X)


def _refuse_a_graph_key(X, name):
    """A tuple of a name and block indices is no data but a key of a dask
    graph: dask-ml's ``Incremental`` passes one for each block of a 3D dask
    array (it indexes blocks with two numbers, dask-ml issue 919)."""
    if not (isinstance(X, tuple) and len(X) >= 2 and isinstance(X[0], str)):
        return
    if not all(isinstance(i, int) for i in X[1:]):
        return
    if name != "X":  # a forecaster's series: it has no partial_fit
        raise ValueError(
            f"{name} is {X!r}, the key of a block of a dask array, not its values: "
            f"pass the values ({name}.compute())."
        )
    raise ValueError(
        f"X is {X!r}, the key of a block of a dask array, not its values: "
        "dask-ml's Incremental passes such keys for 3D dask arrays (dask-ml "
        "issue 919). Train block by block yourself: for i in "
        "range(X.numblocks[0]): est.partial_fit(X.blocks[i].compute(), "
        "y.blocks[i].compute()); a 2D dask array of univariate sequences "
        "works inside Incremental."
    )


def check_sequences(
    estimator,
    X,
    *,
    reset,
    dtype=(np.float64, np.float32),
    allow_nan=False,
    pad_value=np.nan,
    flat=False,
    lazy=False,
    input_name="X",
):
    """Validate sequence input and set or check the estimator's input width.

    Parameters
    ----------
    estimator : estimator instance
        Named in messages. With ``reset=False`` its fitted input attributes are
        checked against ``X``; with ``reset=True`` nothing is written to it: the
        attributes a fit would set come back in ``input_attributes``, to be
        committed with :func:`commit_input_attributes` after all validation.
    X : array-like or list of array-like
        Any accepted form of sequences (see the module docstring).
    reset : bool
        True in ``fit``, False in ``predict``/``transform``.
    dtype : dtype or tuple of dtypes
        As in :func:`~sklearn.utils.check_array`: the dtype kept if ``X`` has
        one of them, else the first.
    allow_nan : bool
        Whether NaN may appear inside a sequence (before its last real step).
    pad_value : float
        The value written on padding steps of the returned array. The user's
        array is never modified; it is copied only when its padding must change.
    flat : bool
        For a list of finite sequences, return them concatenated (see
        ``Sequences.offsets``) instead of padded: about half the memory when
        lengths vary widely.
    lazy : bool
        Return a 3D ``numpy.memmap`` itself as ``values`` (not copied, its
        padding not rewritten: the caller reads it by ``lengths``), validated
        and measured ``LAZY_BLOCK_BYTES`` at a time, when its sequences have
        no leading padding and no NaN inside (those are copied, as any array).
    input_name : str
        What the messages call ``X`` (a forecaster's series are its ``y``).

    Returns
    -------
    Sequences
    """
    token = _INPUT_NAME.set(input_name)
    try:
        return _check_sequences(
            estimator, X, reset, dtype, allow_nan, pad_value, flat, lazy
        )
    finally:
        _INPUT_NAME.reset(token)


def _check_sequences(estimator, X, reset, dtype, allow_nan, pad_value, flat, lazy):
    input_name = _INPUT_NAME.get()
    # (scipy's dok sparse format is a dict: check_array reports sparse input.)
    if X is None or (isinstance(X, (str, bytes, dict)) and not sp.issparse(X)):
        raise TypeError(
            f"{input_name} must be an array-like of sequences (a 2D or 3D array, "
            f"or a list of arrays). Got {type(X).__name__} instead."
        )
    _refuse_a_graph_key(X, input_name)
    frame_names = None
    if is_long_frame(X):
        frame_names = _check_frame_names(estimator, X, reset)
        X = long_frame_to_list(X)[0]
    if lazy and _readable_lazily(X):
        seqs = _check_memmap(estimator, X, reset)
        if seqs is not None:
            return seqs
    dtypes = (dtype,) if not isinstance(dtype, (tuple, list)) else tuple(dtype)
    owned = _is_ragged(X)
    attributes = None
    if owned:
        values, lengths, offsets = _stack_ragged(X, dtypes, estimator, pad_value, flat)
        is_2d = False
    else:
        try:
            values, is_2d, attributes = _check_array_input(estimator, X, dtypes, reset)
        except ValueError as exc:
            if "Reshape your data" in str(exc) and not reset:
                raise ValueError(
                    f"{exc} For one sequence of n timesteps, pass it in a list "
                    "([x]) or as x.reshape(1, -1, n_features): x.reshape(-1, 1) "
                    "makes n sequences of one step each."
                ) from None
            if "could not convert" not in str(exc):
                raise
            named = ", and name them in categorical_features" * (input_name == "X")
            raise ValueError(
                f"{input_name} holds non-numeric values ({exc}). Encode "
                "categorical values as integer codes first, e.g. with "
                f"sklearn.preprocessing.OrdinalEncoder{named}."
            ) from None
        lengths = offsets = None
    n_channels = values.shape[-1]
    if reset:
        attributes = {
            "n_features_in_": n_channels,
            "feature_names_in_": frame_names,
            **(attributes or {}),
            "n_channels_in_": n_channels,
            "_fitted_on_2d": is_2d,
        }
    else:
        _check_width(estimator, n_channels)
    starts = None
    if lengths is None:
        values, lengths, starts = _find_lengths(
            values, allow_nan, pad_value, owned, estimator, leading_padding=not is_2d
        )
    return Sequences(values, lengths, is_2d, offsets, attributes, starts)


def _readable_lazily(X):
    return (
        isinstance(X, np.memmap)
        and X.ndim == 3
        and X.dtype.kind in "biuf"
        and min(X.shape) > 0
        and X.shape[1] > 1  # single steps: the eager path's warning applies
    )


def _check_memmap(estimator, X, reset):
    """:class:`Sequences` of a 3D memmap left on disk, or None when its
    sequences need rewriting (leading padding): the lengths and the NaN
    checks of :func:`_find_lengths`, block by block."""
    n, steps, width = X.shape
    if not reset:
        _check_width(estimator, width)
    rows = max(1, LAZY_BLOCK_BYTES // (steps * width * X.dtype.itemsize))
    lengths = np.empty(n, dtype=np.int64)
    for first in range(0, n, rows):
        block = np.asarray(X[first : first + rows])
        if block.dtype.kind == "f" and np.isinf(block).any():
            raise ValueError(
                f"Input {_INPUT_NAME.get()} contains infinity or a value too large for "
                f"{X.dtype!r}."
            )
        _, part, starts = _find_lengths(
            block, False, np.nan, False, estimator, True, first_row=first
        )
        if starts is not None:
            return None
        lengths[first : first + len(block)] = part
    attributes = None
    if reset:
        attributes = {
            "n_features_in_": width,
            "feature_names_in_": None,
            "n_channels_in_": width,
            "_fitted_on_2d": False,
        }
    return Sequences(X, lengths, False, None, attributes, None)


def commit_input_attributes(estimator, seqs):
    """Write the input attributes of a validated fit onto ``estimator``.

    The one place where ``n_features_in_``, ``n_channels_in_`` and
    ``feature_names_in_`` change; names from an earlier fit on a DataFrame are
    removed when this fit has none.
    """
    for name, value in seqs.input_attributes.items():
        if value is not None:
            setattr(estimator, name, value)
        elif hasattr(estimator, name):
            delattr(estimator, name)


def _name(estimator):
    return type(estimator).__name__


def _check_frame_names(estimator, frame, reset):
    """scikit-learn's feature-name rules for the columns of a long DataFrame
    (one column per feature): the names it would record with ``reset``, else
    its error for other names or another order, and its warnings when only one
    of the fit and ``frame`` has names."""
    if not reset and getattr(estimator, "_fitted_on_2d", False):
        return None  # a width of timesteps, not of the frame's columns
    _, attributes = _validate(estimator, frame, reset, skip_check_array=True)
    return attributes and attributes["feature_names_in_"]


def _validate(owner, X, reset, **kwargs):
    """scikit-learn's ``validate_data`` for ``owner``: ``(its result, the input
    attributes it would set)``. With ``reset`` it runs on a shallow copy, so that a fit
    that fails later leaves the estimator's previous fit intact."""
    if not reset:
        return validate_data(owner, X, reset=False, **kwargs), None
    scratch = copy.copy(owner)
    try:
        result = validate_data(scratch, X, reset=True, **kwargs)
    except (TypeError, ValueError) as exc:
        # validate_data calls its input X: say what the caller's is called.
        name, text = _INPUT_NAME.get(), str(exc)
        renamed = text.replace("Input X ", f"Input {name} ", 1)
        renamed = renamed.replace(" passed for X,", f" passed for {name},", 1)
        if name == "X" or renamed == text:
            raise
        raise type(exc)(renamed) from None
    attributes = {
        "n_features_in_": scratch.n_features_in_,
        "feature_names_in_": getattr(scratch, "feature_names_in_", None),
    }
    return result, attributes


def _is_ragged(X):
    """True for a list of sequences that cannot be read as one numeric array."""
    if isinstance(X, np.ndarray):
        if X.dtype != object or X.ndim != 1:
            return False
    elif not isinstance(X, (list, tuple)):
        return False
    if len(X) == 0:
        return True  # reported as an empty X by _stack_ragged
    shapes = set()
    for i, x in enumerate(X):
        ndim = np.ndim(x)
        if ndim == 0:
            # A flat list of scalars is a 1D X: the array path reports it.
            return False
        if ndim > 2:
            raise ValueError(
                f"Sequence {i} of {_INPUT_NAME.get()} has {ndim} dimensions; each "
                "sequence must be 1D (n_timesteps,) or 2D (n_timesteps, "
                "n_features)."
            )
        shapes.add(np.shape(x))
    return len(shapes) > 1


def _check_array_input(estimator, X, dtypes, reset):
    """Validate an array: ``(values, is_2d, input attributes or None)``."""
    name = _INPUT_NAME.get()
    kwargs = dict(dtype=dtypes, ensure_all_finite="allow-nan", estimator=estimator)
    ndim = X.ndim if hasattr(X, "ndim") and not sp.issparse(X) else None
    if ndim is None and not sp.issparse(X) and isinstance(X, (list, tuple)):
        ndim = np.ndim(X)
    if ndim == 3:
        values = check_array(X, allow_nd=True, input_name=name, **kwargs)
        if values.shape[1] == 0 or values.shape[2] == 0:
            raise ValueError(
                f"Found array with shape {values.shape}: sequences need at least "
                f"one timestep and one feature, as required by {_name(estimator)}."
            )
        if values.shape[1] == 1 and values.shape[2] >= _MANY_FEATURES:
            warn_user(
                f"{name} has shape {values.shape}: {values.shape[0]} sequences of a "
                f"single timestep with {values.shape[2]} features each. If these "
                "are channels-first sequences (n_samples, n_channels, "
                "n_timesteps), as aeon and sktime store them, pass "
                f"sklearn_rnn.channels_last({name}) instead.",
                UserWarning,
            )
        return np.ascontiguousarray(values), False, None
    if ndim is not None and ndim > 3:
        raise ValueError(
            f"{name} must be a 2D array (n_samples, n_timesteps), a 3D array "
            f"(n_samples, n_timesteps, n_features) or a list of sequences. "
            f"Got an array with {ndim} dimensions instead."
        )
    # 2D (or invalid) input goes through scikit-learn's own validation so that
    # its messages, feature names and width checks apply unchanged. A model
    # fitted on 3D input reads 2D input as univariate sequences of any length.
    attributes = None
    if reset or getattr(estimator, "_fitted_on_2d", True):
        values, attributes = _validate(estimator, X, reset, **kwargs)
    else:
        values = check_array(X, input_name=name, **kwargs)
        width = estimator.n_channels_in_
        if width > 1 and values.shape[1] == width:
            if len(values) == 1:
                # One row as wide as a step is one step: the only reading of it
                # (and the one scikit-learn tools probe a fitted model with).
                return np.ascontiguousarray(values)[:, None, :], False, None
            raise ValueError(
                f"{name} has shape {values.shape}: a 2D array is read as univariate "
                f"sequences, but {_name(estimator)} was fitted on sequences of "
                f"{width} features. For one sequence of {len(values)} timesteps "
                f"pass [{name}] or {name}[None]; for {len(values)} sequences of one "
                f"timestep each pass {name}[:, None, :]."
            )
    return np.ascontiguousarray(values)[:, :, None], True, attributes


def _stack_ragged(X, dtypes, estimator, pad_value, flat):
    """Stack a list of sequences into one array: ``(values, lengths, offsets)``.

    When no sequence holds NaN or inf, the lengths are the sequences' own and
    nothing else needs checking: the values come concatenated with ``flat``
    (and their offsets), else padded with ``pad_value``. Otherwise the values
    are NaN-padded and the lengths None, for :func:`_find_lengths`.
    """
    if len(X) == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape=(0,)) while a minimum of 1 is "
            f"required by {_name(estimator)}."
        )
    seqs = [_check_one_sequence(x, i, estimator) for i, x in enumerate(X)]
    widths = {s.shape[1] for s in seqs}
    if len(widths) > 1:
        first = seqs[0].shape[1]
        i = next(i for i, s in enumerate(seqs) if s.shape[1] != first)
        raise ValueError(
            f"All sequences in {_INPUT_NAME.get()} must have the same number of "
            f"features; sequence 0 has {first} and sequence {i} has "
            f"{seqs[i].shape[1]}."
        )
    out_dtype = dtypes[0]
    for candidate in dtypes:
        if all(s.dtype == candidate for s in seqs):
            out_dtype = candidate
            break
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    width = widths.pop()
    if flat:
        values = np.empty((lengths.sum() + 1, width), dtype=out_dtype)
        np.concatenate(seqs, out=values[:-1], casting="same_kind")
        values[-1] = 0.0
        if np.isfinite(values.sum()):
            return values, lengths, np.cumsum(lengths) - lengths
        del values  # NaN or inf: analysed in the padded form below
    values = np.full((len(seqs), lengths.max(), width), np.nan, dtype=out_dtype)
    for row, s in zip(values, seqs):
        row[: len(s)] = s
    # A sum per (converted) sequence finds NaN and inf without a mask of X's size.
    if all(np.isfinite(row[:n].sum()) for row, n in zip(values, lengths)):
        if not np.isnan(pad_value):
            values[np.arange(values.shape[1]) >= lengths[:, None]] = pad_value
        return values, lengths, None
    if np.isinf(values).any():
        raise ValueError(
            f"Input {_INPUT_NAME.get()} contains infinity or a value too large "
            f"for {values.dtype!r}."
        )
    return values, None, None


def _check_one_sequence(x, i, estimator):
    if sp.issparse(x):
        raise TypeError(
            f"Sparse data was passed for sequence {i} of {_INPUT_NAME.get()}, but "
            "dense data is required. Use '.toarray()' to convert it to a dense "
            "numpy array."
        )
    x = np.asarray(x)
    if x.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: sequence {i} of {_INPUT_NAME.get()}."
        )
    if x.dtype.kind not in "biuf":
        try:
            x = x.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"Sequence {i} of {_INPUT_NAME.get()} holds non-numeric values "
                f"({exc}). Encode categorical values as numbers first, e.g. with "
                "sklearn.preprocessing.OrdinalEncoder or OneHotEncoder."
            ) from None
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(
            f"Sequence {i} of {_INPUT_NAME.get()} has shape {x.shape}: every "
            "sequence needs at least one timestep and one feature, as required "
            f"by {_name(estimator)}."
        )
    return x


def _check_width(estimator, n_channels):
    expected = estimator.n_channels_in_
    if n_channels != expected:
        raise ValueError(
            f"X has {n_channels} features per timestep, but {_name(estimator)} is "
            f"expecting {expected} features per timestep as input."
        )


def _find_lengths(
    values, allow_nan, pad_value, owned, estimator, leading_padding, first_row=0
):
    """Lengths from the all-NaN steps around each sequence; reject inner NaN.

    Steps that are NaN in every feature after a sequence's last real step are
    padding, and so are those before its first real step when
    ``leading_padding`` (pre-padding). Sequences come back aligned to step 0
    with the padding after them; the third value is each one's first step in
    ``values`` as given, or None when all start at 0. ``first_row``: the
    sequence of X that ``values`` starts at (a block of X), for messages.
    """
    n, T, _ = values.shape
    if np.isfinite(values.sum()):
        # No NaN at all (the common case), checked in one pass without masks.
        return values, np.full(n, T, dtype=np.int64), None
    missing = np.isnan(values)
    real_step = ~missing.all(axis=2)
    empty = ~real_step.any(axis=1)
    if empty.any():
        raise ValueError(
            f"Sequence {first_row + int(np.flatnonzero(empty)[0])} of "
            f"{_INPUT_NAME.get()} is empty: all its values are NaN. Remove empty "
            f"sequences before calling {_name(estimator)}."
        )
    start = np.argmax(real_step, axis=1) if leading_padding else np.zeros(n, int)
    lengths = (T - np.argmax(real_step[:, ::-1], axis=1) - start).astype(np.int64)
    if start.any():
        index = np.minimum(start[:, None] + np.arange(T), T - 1)[:, :, None]
        values = np.take_along_axis(values, index, axis=1)
        missing = np.take_along_axis(missing, index, axis=1)
        owned = True
    inside = np.arange(T) < lengths[:, None]
    if not allow_nan:
        holes = missing.any(axis=2) & inside
        if holes.any():
            i, t = (int(v[0]) for v in np.nonzero(holes))
            raise ValueError(
                f"Input {_INPUT_NAME.get()} contains NaN inside sequence "
                f"{first_row + i} at timestep "
                f"{t + start[i]}. {_name(estimator)} reads NaN only as padding "
                "before a sequence's first or after its last step. Fill missing "
                "values first, e.g. with sklearn_rnn.SequenceImputer in a Pipeline."
            )
    if not inside.all():
        if owned:  # our own copy: write the padding in place
            values[~inside] = pad_value
        elif not np.isnan(pad_value):
            values = np.where(inside[:, :, None], values, values.dtype.type(pad_value))
    return values, lengths, start.astype(np.int64) if start.any() else None
