"""Sequences as they arrive: long tables and channels-first arrays.

The data contract (:mod:`sklearn_rnn._input._validation`) reads batch-first sequences,
``(n_samples, n_timesteps, n_features)``. Two other layouts are common:

- a long table with one row per (sequence, time) pair, as tsfresh reads it,
  or as a pandas DataFrame with an ``(id, time)`` MultiIndex, sktime's long
  layout; :func:`from_long_format` turns it into a list of sequences, and
  every estimator and transformer accepts the MultiIndex DataFrame directly;
- channels-first arrays ``(n_samples, n_channels, n_timesteps)`` and lists of
  ``(n_channels, length_i)`` arrays, the layout of aeon and sktime's numpy
  containers; :func:`channels_last` turns them around.
"""

import numpy as np

from .._warnings import warn_user

__all__ = ["channels_last", "from_long_format", "is_long_frame", "long_frame_to_list"]


def from_long_format(df, column_id, column_sort, columns=None):
    """Turn a long table into a list of sequences, one per id.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per (sequence, timestep).
    column_id : str
        The column naming the sequence a row belongs to.
    column_sort : str
        The column ordering the rows of a sequence (times, or step numbers);
        unsorted rows are sorted.
    columns : list of str, default=None
        The feature columns, in this order; by default every other numeric
        column (non-numeric ones are left out with a warning that names them).
        ``column_sort`` may be one of them (e.g. for :class:`TimeFeatures`);
        ``datetime64`` columns become seconds since 1970-01-01 UTC.

    Returns
    -------
    X : list of ndarray of shape (length_i, n_features)
        The sequences, ordered by sorted id.
    ids : ndarray of shape (n_sequences,)
        The id of each sequence of ``X``: align targets with
        ``y = targets.loc[ids]``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_rnn import from_long_format
    >>> df = pd.DataFrame({"id": ["b", "a", "a", "b", "a"],
    ...                    "time": [1, 2, 1, 0, 3],
    ...                    "value": [4.0, 2.0, 1.0, 3.0, 5.0]})
    >>> X, ids = from_long_format(df, column_id="id", column_sort="time")
    >>> ids
    array(['a', 'b'], dtype=object)
    >>> [x[:, 0].tolist() for x in X]
    [[1.0, 2.0, 5.0], [3.0, 4.0]]
    """
    for name in (column_id, column_sort):
        if name not in df.columns:
            raise ValueError(
                f"{name!r} is not a column of df; its columns are {list(df.columns)}."
            )
    if columns is None:
        columns = [c for c in df.columns if c not in (column_id, column_sort)]
        text = [c for c in columns if not _is_numeric(df[c])]
        if text:
            warn_user(
                f"from_long_format leaves out the non-numeric columns {text}: "
                "encode them as integer codes (sklearn.preprocessing."
                "OrdinalEncoder) and pass them in columns, with their indices in "
                "categorical_features.",
                UserWarning,
            )
            columns = [c for c in columns if c not in text]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"columns {missing} are not columns of df.")
    if not columns:
        raise ValueError("df has no feature columns besides column_id and column_sort.")
    frame = df.set_index([column_id, column_sort], drop=False)[list(columns)]
    for name in frame.columns:
        if frame[name].dtype.kind == "M":  # tz-aware ones too
            frame[name] = _seconds(frame[name])
    return long_frame_to_list(frame)


def _seconds(column):
    """A datetime64 column as float seconds since the epoch (NaT: NaN)."""
    import pandas as pd  # a DataFrame was given: pandas is there

    if column.dt.tz is not None:
        column = column.dt.tz_convert("UTC").dt.tz_localize(None)
    epoch = pd.Timestamp("1970-01-01")
    return (column - epoch) / pd.Timedelta(seconds=1)


def _is_numeric(column):
    return column.dtype.kind in "biuf"


def is_long_frame(X):
    """Whether ``X`` is a DataFrame indexed by ``(id, time)``."""
    index = getattr(X, "index", None)
    return hasattr(X, "columns") and getattr(index, "nlevels", 1) == 2


def long_frame_to_list(frame):
    """A DataFrame with an ``(id, time)`` MultiIndex: ``(sequences, ids)``."""
    duplicated = frame.index.duplicated()
    if duplicated.any():
        sequence, time = frame.index[duplicated][0]
        raise ValueError(
            f"Sequence {sequence!r} has more than one row at time {time!r}: every "
            "(id, time) pair must be unique. Aggregate the duplicates first, "
            "e.g. with df.groupby([column_id, column_sort]).mean()."
        )
    frame, ids, bounds = long_frame_series(frame)
    values = frame.to_numpy()
    X = [values[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    return X, ids


def long_frame_series(frame):
    """An ``(id, time)`` frame sorted by id, then time; its ids in that
    order, as the index holds them (dates stay ``Timestamp``); and where each
    id's rows start, with the frame's length last."""
    frame = frame.sort_index()  # by position: level 0, then 1, whatever their names
    ids = frame_levels(frame.index)[0]
    starts = np.flatnonzero(~ids.duplicated())
    return frame, np.asarray(ids[starts], dtype=object), np.append(starts, len(frame))


def frame_levels(index):
    """The ids and the times of an ``(id, time)`` index, by position: pandas
    reads an integer level as a name first, so levels named ``(1, 0)`` would
    swap."""
    plain = index.set_names([None, None])
    return plain.get_level_values(0), plain.get_level_values(1)


def align_targets(X, y):
    """``y`` in the order of ``X``'s sequences when ``X`` is an ``(id, time)``
    frame and ``y`` a pandas object indexed by those ids (in any order);
    ``y`` as given otherwise. A ``y`` indexed by anything else (a default
    ``RangeIndex`` apart, read by position) is a ``ValueError``."""
    if y is None or not hasattr(y, "index") or not is_long_frame(X):
        return y
    ids = long_frame_series(X[[]])[1]  # the list's order, from the index alone
    index = y.index
    if type(index).__name__ == "RangeIndex" and not np.array_equal(index, ids):
        return y  # by position, as every scikit-learn target
    if len(index) == len(ids) and not index.has_duplicates and index.isin(ids).all():
        return y.loc[ids]
    raise ValueError(
        "y is indexed by labels that are not the ids of X's sequences (the first "
        f"level of its MultiIndex), e.g. {list(index[:3])} against "
        f"{list(ids[:3])}: index y by those ids, in any order, or pass an array "
        "in the order of the sorted ids."
    )


def channels_last(X):
    """Turn channels-first sequences into the batch-first layout read here.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps), or list of \
array-like of shape (n_channels, length_i)
        Sequences in aeon's and sktime's numpy layout.

    Returns
    -------
    X_out : ndarray of shape (n_samples, n_timesteps, n_channels), or list of \
ndarray of shape (length_i, n_channels)
        The same sequences, timesteps first: a view for arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import channels_last
    >>> X = np.zeros((10, 1, 150))  # 10 univariate series of 150 steps, aeon-style
    >>> channels_last(X).shape
    (10, 150, 1)
    """
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim != 3:
            raise ValueError(
                "channels_last expects a 3D array (n_samples, n_channels, "
                f"n_timesteps) or a list of 2D arrays. Got {X.ndim} dimensions."
            )
        return np.swapaxes(X, 1, 2)
    out = []
    for i, x in enumerate(X):
        x = np.asarray(x)
        if x.ndim != 2:
            raise ValueError(
                f"Sequence {i} has {x.ndim} dimensions; channels_last expects 2D "
                "(n_channels, length) sequences."
            )
        out.append(x.T)
    return out
