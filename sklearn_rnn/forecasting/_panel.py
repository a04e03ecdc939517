"""Many time series, as a forecaster reads them and answers in their form.

A panel is a list of univariate series of any lengths, optionally with
covariates aligned step by step (``(length_i, n_covariates)`` each) and
static features (one row per series). It comes from the forms every
estimator of the package reads (see :mod:`sklearn_rnn._input._validation`):
a 2D array ``(n_series, n_timesteps)`` (NaN at the end pads shorter series),
a list of 1D arrays, or a long DataFrame with an ``(id, time)`` MultiIndex;
a 1D array is one series. Forecasts come back in the same form: an array of
one row per series, or a long DataFrame whose times continue each series'.
"""

import numpy as np
from sklearn.utils.validation import check_array

from .._input._formats import frame_levels, is_long_frame, long_frame_series
from .._input._validation import check_sequences

__all__ = ["Panel", "panel_from_state", "panel_state", "read_panel"]


class Panel:
    """Univariate series with their covariates, static features and form."""

    def __init__(self, y, X=None, static=None, *, form="array", ids=None, **info):
        self.y = y  # list of (length_i,) float64
        self.X = X  # list of (length_i, n_covariates) or None
        self.static = static  # (n_series, n_static) or None
        self.form = form  # 'single', 'array' or 'frame'
        self.ids = ids
        self.info = info  # a frame's times and column name

    @property
    def lengths(self):
        return np.array([len(s) for s in self.y])

    def cut(self, stop):
        """Each series (and its covariates) up to step ``stop[i]``."""
        y = [s[:t] for s, t in zip(self.y, stop)]
        X = None if self.X is None else [x[:t] for x, t in zip(self.X, stop)]
        times = self.info.get("times")
        info = {**self.info, "times": times and [a[:t] for a, t in zip(times, stop)]}
        return Panel(y, X, self.static, form=self.form, ids=self.ids, **info)

    def tail(self, n_steps):
        """The last ``n_steps`` of each series (and of its times, at least 3
        of those, which tell their frequency)."""
        y = [s[-n_steps:] for s in self.y]
        X = None if self.X is None else [x[-n_steps:] for x in self.X]
        times = self.info.get("times")
        keep = max(n_steps, 3)
        info = {**self.info, "times": times and [a[-keep:] for a in times]}
        return Panel(y, X, self.static, form=self.form, ids=self.ids, **info)

    def like_input(self, values, columns=None):
        """``(n_series, horizon[, k])`` forecasts in the form of the input."""
        if self.form == "single":
            return values[0]
        if self.form == "array":
            return values
        return self._frame(values, columns)

    def future_times(self, horizon):
        """The ``horizon`` times after each series' last (frames only)."""
        return [_future_times(t, horizon) for t in self.info["times"]]

    def _frame(self, values, columns):
        import pandas as pd  # a DataFrame came in: pandas is there

        horizon = values.shape[1]
        ids = np.repeat(self.ids, horizon)
        times = np.concatenate(self.future_times(horizon))
        index = pd.MultiIndex.from_arrays([ids, times], names=self.info["names"])
        if columns is None:
            columns = [self.info["column"]]
        flat = values.reshape(len(ids), -1)
        return pd.DataFrame(flat, index=index, columns=columns)


# What a saved frame's ids, index names and column name may be: scalars that
# JSON holds as they are (and None for a name).
_LABELS = (str, int, float, bool, np.integer, np.floating, np.bool_)


def panel_state(panel):
    """The panel as plain values for :func:`sklearn_rnn.save`: numeric arrays
    (ragged series concatenated, with their lengths), strings and lists."""
    state = {
        "form": panel.form,
        "lengths": panel.lengths.astype(np.int64),
        "y": np.concatenate(panel.y),
        "X": None if panel.X is None else np.concatenate(panel.X),
        "static": panel.static,
    }
    if panel.form == "frame":
        names, column = list(panel.info["names"]), panel.info["column"]
        dated = _dated_ids(panel.ids)
        for what, labels, none in (
            ("series ids", [] if dated is not None else list(panel.ids), False),
            ("index level names", names, True),
            ("column name", [column], True),
        ):
            bad = [v for v in labels if not _label(v, none)]
            if bad:
                kinds = "strings or numbers"
                if what == "series ids":  # all dates will do too
                    kinds = "strings or numbers, or all timezone-naive dates"
                    bad = [v for v in bad if not _naive_date(v)] or bad
                raise ValueError(
                    f"save handles frames whose {what} are {kinds}. Got "
                    f"{bad[0]!r} ({type(bad[0]).__name__}) instead: rename them "
                    "(e.g. with str), or pickle the forecaster."
                )
        if dated is not None:  # as the times: nanoseconds
            state |= {"ids": dated, "id_kind": "datetime64[ns]"}
        else:
            ids = [v.item() if isinstance(v, np.generic) else v for v in panel.ids]
            state["ids"] = np.array(ids, dtype=object)
        state |= {"names": names, "column": column}
        state |= _times_state(panel.info["times"])
    return state


def _dated_ids(ids):
    """Series ids that are all timezone-naive dates, as int64 nanoseconds;
    None for any others."""
    import pandas as pd  # a DataFrame came in

    if not all(_naive_date(v) for v in ids):
        return None
    try:
        return pd.DatetimeIndex(list(ids)).as_unit("ns").asi8
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        raise ValueError(
            "save stores dated series ids in nanoseconds, from 1677 to 2262. Got "
            f"dates from {min(ids)} to {max(ids)}: rename them (e.g. with str), "
            "or pickle the forecaster."
        ) from None


def _naive_date(value):
    import pandas as pd

    return isinstance(value, pd.Timestamp) and value.tz is None


def _label(value, none=False):
    return (value is None and none) or isinstance(value, _LABELS)


def _times_state(times):
    import pandas as pd

    zones = {str(t.tz) for t in times if getattr(t, "tz", None) is not None}
    if zones:
        raise ValueError(
            f"save handles timezone-naive dates. Got times in {sorted(zones)}: "
            "convert them first (e.g. level 1 of the index .tz_convert(None)), or "
            "pickle the forecaster."
        )
    kinds = {type(t).__name__ for t in times}
    if kinds == {"DatetimeIndex"}:
        values = np.concatenate([t.as_unit("ns").asi8 for t in times])
        kind = "datetime64[ns]"
    elif all(pd.api.types.is_numeric_dtype(t) for t in times):
        values, kind = np.concatenate([np.asarray(t) for t in times]), "numeric"
    else:
        raise ValueError(
            "save handles forecasters fitted on frames whose time level holds "
            "numbers or dates. Got times of type "
            f"{sorted(kinds)} instead: convert them (e.g. to_timestamp() for "
            "periods), or pickle the forecaster."
        )
    lengths = np.array([len(t) for t in times], dtype=np.int64)
    return {"times": values, "time_lengths": lengths, "time_kind": kind}


def panel_from_state(state):
    """The :class:`Panel` of :func:`panel_state`'s values, each checked: a
    ``ValueError`` names what does not fit."""
    form, lengths = state["form"], state["lengths"]
    if not isinstance(form, str) or form not in ("single", "array", "frame"):
        raise ValueError(f"Invalid panel form {form!r} in the file.")
    y = _split(_finite(_floats(state["y"], 1, "series"), "series"), lengths, "series")
    X = state["X"]
    if X is not None:
        X = _split(_floats(X, 2, "covariates"), lengths, "covariates")
    static = state["static"]
    if static is not None and len(
        _finite(_floats(static, 2, "static features"), "static features")
    ) != len(y):
        raise ValueError("The file's static features do not match its series.")
    if form == "single" and len(y) != 1:
        raise ValueError("The file's single series holds several.")
    if form != "frame":
        return Panel(y, X, static, form=form)
    ids, names, column = state["ids"], state["names"], state["column"]
    id_kind = state.get("id_kind", "labels")
    if id_kind not in ("labels", "datetime64[ns]"):
        raise ValueError(f"Invalid series id kind {id_kind!r} in the file.")
    if id_kind == "datetime64[ns]":
        import pandas as pd

        ids = _numbers(ids, np.int64, "series ids")
        ids = np.asarray(pd.DatetimeIndex(ids.astype("datetime64[ns]")), dtype=object)
    if (
        not isinstance(ids, np.ndarray)
        or ids.ndim != 1
        or len(ids) != len(y)
        or (id_kind == "labels" and not all(_label(v) for v in ids))
    ):
        raise ValueError("The file's series ids are not one label per series.")
    if not (isinstance(names, list) and len(names) == 2) or not all(
        _label(v, none=True) for v in [*names, column]
    ):
        raise ValueError("The file's index names or column name are not labels.")
    kind = state["time_kind"]
    if kind not in ("datetime64[ns]", "numeric"):
        raise ValueError(f"Invalid time kind {kind!r} in the file.")
    times = state["times"]
    if kind == "datetime64[ns]":
        times = _numbers(times, np.int64, "times")
    elif (
        not isinstance(times, np.ndarray)
        or times.dtype.kind not in "iuf"
        or times.ndim != 1
    ):
        raise ValueError("The file's times are not a 1-D array of numbers.")
    times = _split(times, state["time_lengths"], "times")
    if len(times) != len(y):
        raise ValueError("The file's times are not one run per series.")
    if kind == "datetime64[ns]":
        import pandas as pd

        times = [pd.DatetimeIndex(t.astype("datetime64[ns]")) for t in times]
    info = {"times": times, "names": names, "column": column}
    return Panel(y, X, static, form=form, ids=ids, **info)


def _finite(values, what):
    if not np.all(np.isfinite(values)):
        raise ValueError(f"The file's {what} hold NaN or infinite values.")
    return values


def _floats(values, ndim, what):
    return _numbers(values, np.float64, what, ndim)


def _numbers(values, dtype, what, ndim=1):
    if (
        not isinstance(values, np.ndarray)
        or values.dtype != dtype
        or values.ndim != ndim
    ):
        raise ValueError(
            f"The file's {what} are not a {ndim}-D array of {np.dtype(dtype)}."
        )
    return values


def _split(values, lengths, what):
    """``values`` cut into runs of ``lengths`` (each at least 1, together
    all of ``values``: counted in Python's integers, which do not wrap)."""
    if (
        not isinstance(lengths, np.ndarray)
        or lengths.ndim != 1
        or lengths.size < 1
        or lengths.dtype.kind not in "iu"
    ):
        raise ValueError(f"The file's {what} do not match their lengths.")
    counts = [int(n) for n in lengths]
    if min(counts) < 1 or sum(counts) != len(values):
        raise ValueError(f"The file's {what} do not match their lengths.")
    return np.split(values, np.cumsum(counts)[:-1])


def _future_times(times, horizon):
    """The ``horizon`` times after a series' last: its frequency for dates,
    its last step otherwise."""
    import pandas as pd

    if isinstance(times, pd.DatetimeIndex) and len(times) >= 3:
        freq = pd.infer_freq(times)
        if freq is not None:
            return np.asarray(
                pd.date_range(times[-1], periods=horizon + 1, freq=freq)[1:]
            )
    if len(times) < 2 and isinstance(times, pd.DatetimeIndex):
        raise ValueError(
            f"A dated series of one step ({times[0]}) has no frequency to "
            "continue its times with: pass at least 2 steps of each series."
        )
    step = times[-1] - times[-2] if len(times) >= 2 else 1
    return np.asarray([times[-1] + step * k for k in range(1, horizon + 1)])


def read_panel(owner, y, X=None, static=None):
    """Validate ``y`` (and ``X``, ``static``) into a :class:`Panel`."""
    form, info, ids = "array", {}, None
    if is_long_frame(y):
        form, info, ids = "frame", _frame_info(y), None
    elif isinstance(y, np.ndarray) and y.ndim == 1 and y.dtype != object:
        form, y = "single", np.asarray(y)[None]
    seqs = check_sequences(owner, y, reset=True, input_name="y")
    if seqs.values.shape[-1] != 1:
        raise ValueError(
            "y must hold univariate series: a 2D array (n_series, n_timesteps), a "
            "list of 1D arrays or a DataFrame with one column. Got series with "
            f"{seqs.values.shape[-1]} features instead; pass the other ones as "
            "covariates X."
        )
    series = [v[:n, 0].astype(np.float64) for v, n in zip(seqs.values, seqs.lengths)]
    if form == "frame":
        ids = info.pop("ids")
    lengths = np.array([len(s) for s in series])
    rows = None if form != "frame" else (ids, info["times"])
    covariates = read_steps(owner, X, lengths, "X", rows)
    static = _read_static(static, len(series))
    return Panel(series, covariates, static, form=form, ids=ids, **info)


def _frame_info(frame):
    if frame.shape[1] != 1:
        raise ValueError(
            "A DataFrame y must have one column, the series' values. Got columns "
            f"{list(frame.columns)} instead; pass the others as covariates X."
        )
    names = list(frame.index.names)
    frame, ids, bounds = long_frame_series(frame)
    times = frame_levels(frame.index)[1]
    return {
        "ids": ids,
        "times": [times[a:b] for a, b in zip(bounds[:-1], bounds[1:])],
        "names": names,
        "column": frame.columns[0],
    }


def read_steps(owner, X, lengths, name, rows=None):
    """Per-series arrays ``(n_i, n_features)``; each ``n_i`` at least
    ``lengths[i]`` (the longer ones keep their first ``lengths[i]`` steps).
    ``rows``: ``(ids, times)`` of the series where ``y`` was a long frame; a
    long frame ``X`` is then read at exactly those ``(id, time)`` rows (its
    other rows are not read), in that order."""
    if X is None:
        return None
    if rows is not None and is_long_frame(X) and X.index.is_unique:
        X = _rows_at(X, *rows, name)  # (duplicates: check_sequences names them)
    if isinstance(X, np.ndarray) and X.ndim == 2 and len(lengths) == 1 and len(X) != 1:
        X = X[None]  # one series' (n_steps, n_features)
    seqs = check_sequences(owner, X, reset=True, allow_nan=True, input_name=name)
    if len(seqs.lengths) != len(lengths):
        raise ValueError(
            f"{name} must hold one entry per series of y ({len(lengths)}). Got "
            f"{len(seqs.lengths)} instead."
        )
    short = np.flatnonzero(seqs.lengths < lengths)
    if short.size:
        i = short[0]
        raise ValueError(
            f"{name} must cover every step of its series: series {i} needs "
            f"{lengths[i]} steps. Got {seqs.lengths[i]} instead."
        )
    return [v[:n].astype(np.float64) for v, n in zip(seqs.values, lengths)]


def _rows_at(X, ids, times, name):
    """The rows of the long frame ``X`` at each series' ``(id, time)``, one
    array per series, in the order of ``ids``: matched by label, so that
    neither the frames' row order, nor how each sorts its ids (a categorical
    level sorts by its categories), nor rows ``y`` lacks pair a covariate
    with another step."""
    import pandas as pd  # a DataFrame came in

    lengths = [len(t) for t in times]
    wanted = pd.MultiIndex.from_arrays(
        [
            pd.Index(np.asarray(ids, dtype=object)).repeat(lengths),
            pd.Index(times[0]).append([pd.Index(t) for t in times[1:]]),
        ]
    )
    at = X.index.get_indexer(wanted)  # by position: level names play no part
    if (at < 0).any():
        first = wanted[int(np.flatnonzero(at < 0)[0])]
        first = tuple(v.item() if isinstance(v, np.generic) else v for v in first)
        held = set(frame_levels(X.index)[0])
        whole = [i for i in ids if i not in held]
        which = (
            f"no rows of series {whole[0]!r}"
            if whole
            else f"no row at (id, time) {first!r}"
        )
        split = (  # scikit-learn's splits take X's rows at y's positions
            "; inside a search or a split, give X its rows in y's order"
            if name == "X"
            else ""
        )
        raise ValueError(
            f"{name} has {which}: a covariate frame needs a row at every (id, "
            f"time) {'that y has' if name == 'X' else 'forecast'} (other rows "
            f"are not read){split}."
        )
    values = X.to_numpy()[at]
    return np.split(values, np.cumsum(lengths)[:-1])


def _read_static(static, n_series):
    if static is None:
        return None
    static = check_array(static, dtype=np.float64, input_name="static")
    if len(static) != n_series:
        raise ValueError(
            f"static must have one row per series of y ({n_series}). Got "
            f"{len(static)} rows instead."
        )
    return static
