"""TimeFeatures: what each step's timestamp says, as features."""

from numbers import Integral

import numpy as np

from ._base import SequenceTransformer

__all__ = ["TimeFeatures"]

_SPANS = {"delta", "elapsed"}
# Calendar encodings: (name, period in seconds, offset of the epoch in it).
# 1970-01-01 was a Thursday: day 3 of a week that starts on Monday.
_CALENDAR = {
    "hour": 86400.0,
    "dayofweek": 7 * 86400.0,
    "dayofyear": 365.2425 * 86400.0,
}
_EPOCH_OFFSET = {"hour": 0.0, "dayofweek": 3 * 86400.0, "dayofyear": 0.0}


class TimeFeatures(SequenceTransformer):
    """Add time features read from each step's timestamp.

    The tutorial's "feed the time features in with the sequence": the time
    since the previous step and since the start (for irregularly sampled
    sequences the gaps are information), and calendar positions as sine and
    cosine pairs, as in scikit-learn's cyclical feature engineering, so that
    23:00 and 00:00 are neighbours.

    Parameters
    ----------
    time_column : int or str, default=0
        The feature that holds the timestamps: its index, or its name when
        ``X`` is an ``(id, time)`` DataFrame (a datetime column converted to
        numbers first, e.g. ``df["t"].astype("int64") / 1e9`` for seconds).
        Timestamps must increase strictly within each sequence. In float32
        ``X`` they must stay within ±2**24 (about 194 days in seconds), where
        float32 is exact to 1: pass epoch seconds as float64, or with their
        origin shifted.

    spans : tuple of {'delta', 'elapsed'}, default=('delta', 'elapsed')
        'delta': the time since the previous step (0 at the first); 'elapsed':
        the time since the sequence's first step; in the timestamps' unit.

    calendar : tuple of {'hour', 'dayofweek', 'dayofyear'}, default=()
        Positions in the day, week (Monday first) and year, each as a
        ``(sin, cos)`` pair, reading the timestamps as seconds since
        1970-01-01 UTC (what ``datetime64`` values become in seconds).

    drop_time : bool, default=True
        Whether to remove the timestamp column itself, whose absolute value
        rarely generalises.

    since_observed : bool, default=False
        Whether to add, for every other feature, the time since its value was
        last observed (not NaN; 0 where it is, the time since the start before
        its first observation): with ``SequenceImputer(add_indicator=True)``
        after this transformer, the inputs of GRU-D (Che et al. 2018) for
        features sampled at different times.

    Attributes
    ----------
    n_features_in_ : int
        Width of 2D ``X`` seen in ``fit``, else the number of features per step.

    n_channels_in_ : int
        Number of features per timestep.

    feature_names_in_ : ndarray of shape (`n_channels_in_`,)
        Column names of an ``(id, time)`` DataFrame seen in ``fit``.

    See Also
    --------
    SequenceScaler : Scale the new features with the others.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import TimeFeatures
    >>> x = np.array([[0.0, 1.5], [1.0, 1.7], [3.0, 1.6], [7.0, 1.2]])
    >>> TimeFeatures().fit_transform([x])[0]  # value, delta, elapsed
    array([[1.5, 0. , 0. ],
           [1.7, 1. , 1. ],
           [1.6, 2. , 3. ],
           [1.2, 4. , 7. ]])
    """

    _keeps_2d = False

    _parameter_constraints: dict = {
        "time_column": [Integral, str],
        "spans": [tuple, list],
        "calendar": [tuple, list],
        "drop_time": ["boolean"],
        "since_observed": ["boolean"],
    }

    def __init__(
        self,
        *,
        time_column=0,
        spans=("delta", "elapsed"),
        calendar=(),
        drop_time=True,
        since_observed=False,
    ):
        self.time_column = time_column
        self.spans = spans
        self.calendar = calendar
        self.drop_time = drop_time
        self.since_observed = since_observed

    def _fit(self, seqs):
        self._check_choices()
        self._times(seqs, self._time_index(seqs))  # the training timestamps checked

    def _check_choices(self):
        for name, value, known in (
            ("spans", self.spans, _SPANS),
            ("calendar", self.calendar, set(_CALENDAR)),
        ):
            unknown = [v for v in value if v not in known]
            if unknown:
                raise ValueError(
                    f"{name} holds {unknown}; the choices are {sorted(known)}."
                )

    def _time_index(self, seqs=None):
        (index,) = self._columns("time_column", seqs)
        return int(index)

    def _times(self, seqs, index):
        """The timestamps ``(n, T)`` of column ``index`` (NaN on padding),
        checked."""
        times = seqs.values[:, :, index].astype(np.float64)
        mask = seqs.mask
        self._check_precision(seqs.values.dtype, times[mask])
        missing = np.isnan(times) & mask
        if missing.any():
            i, t = np.argwhere(missing)[0]
            raise ValueError(
                f"Sequence {i} has no timestamp at step {t}: every real step needs "
                f"one in column {self.time_column!r}. Drop or fill those steps."
            )
        steps = np.diff(times, axis=1)
        later = mask[:, 1:]
        if (steps[later] <= 0).any():
            i, t = np.argwhere(later & (steps <= 0))[0]
            raise ValueError(
                f"Timestamps must increase within each sequence; sequence {i} goes "
                f"from {times[i, t]!r} to {times[i, t + 1]!r} at step {t + 1}. Sort "
                "each sequence by time (and merge duplicated times)."
            )
        return times

    def _check_precision(self, dtype, times):
        """Refuse float32 timestamps too large to be exact: beyond 2**24 their
        spacing exceeds 1 (128 s near 1.7e9 s), so the spans are already wrong,
        and a warning would still let them through."""
        if dtype != np.float32 or not times.size:
            return
        largest = np.nanmax(np.abs(times))
        if largest > 2**24:
            raise ValueError(
                f"The timestamps in column {self.time_column!r} are float32 and "
                f"reach {largest:.6g}, beyond 2**24 where float32 values are more "
                "than 1 apart (128 near 1.7e9): the spans between steps are "
                "already rounded. Pass X as float64 (calendar features need the "
                "absolute time), or shift the timestamps' "
                "origin (e.g. subtract the first timestamp) before the cast. "
                f"Got a largest timestamp of {largest:.6g} instead."
            )

    def _transform(self, seqs):
        self._check_choices()
        index = self._time_index()
        times = self._times(seqs, index)
        values, mask = seqs.values, seqs.mask
        keep = [j for j in range(values.shape[2]) if j != index or not self.drop_time]
        parts = [values[:, :, keep]]
        first = times[:, :1]
        if "delta" in self.spans:
            previous = np.concatenate([first, times[:, :-1]], axis=1)
            parts.append((times - previous)[:, :, None])
        if "elapsed" in self.spans:
            parts.append((times - first)[:, :, None])
        if self.since_observed:
            others = [j for j in range(values.shape[2]) if j != index]
            seen = np.where(np.isnan(values[:, :, others]), np.nan, times[:, :, None])
            last = np.fmax.accumulate(seen, axis=1)  # NaN until the first
            parts.append(
                times[:, :, None] - np.where(np.isnan(last), first[:, :, None], last)
            )
        for name in self.calendar:
            angle = 2 * np.pi * ((times + _EPOCH_OFFSET[name]) % _CALENDAR[name])
            angle = angle / _CALENDAR[name]
            parts.extend([np.sin(angle)[:, :, None], np.cos(angle)[:, :, None]])
        out = np.concatenate(parts, axis=2).astype(values.dtype, copy=False)
        out[~mask] = np.nan
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output features: the kept inputs, then the new ones.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input feature names; by default ``feature_names_in_`` if set, else
            ``x0``, ``x1``...

        Returns
        -------
        feature_names_out : ndarray of str
            The inputs kept (all but the timestamp with ``drop_time``), then
            ``delta``, ``elapsed``, ``since_<feature>`` and
            ``<calendar>_sin``/``<calendar>_cos``.
        """
        input_features = self._input_names(input_features)
        index = self._time_index()
        names = [
            str(n)
            for j, n in enumerate(input_features)
            if j != index or not self.drop_time
        ]
        names += [s for s in ("delta", "elapsed") if s in self.spans]
        if self.since_observed:
            names += [f"since_{n}" for j, n in enumerate(input_features) if j != index]
        for name in self.calendar:
            names += [f"{name}_sin", f"{name}_cos"]
        return np.asarray(names, dtype=object)
