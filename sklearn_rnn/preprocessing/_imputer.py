"""SequenceImputer: fill missing values inside sequences."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import StrOptions

from ._base import SequenceTransformer, real_steps

__all__ = ["SequenceImputer"]

_FILL_STRATEGIES = {"ffill", "bfill", "linear", "mean", "median", "constant"}


class SequenceImputer(SequenceTransformer):
    """Fill missing values inside sequences, never the padding.

    Parameters
    ----------
    strategy : {'ffill', 'bfill', 'linear', 'mean', 'median', 'constant'}, \
default='ffill'
        How a missing value is filled:

        - 'ffill': the last observed value of that feature in the sequence; a
          gap at the start takes the first observed value (backward fill);
        - 'bfill': the next observed value; a gap at the end takes the last
          observed value (forward fill);
        - 'linear': linear interpolation in time between the observed
          neighbours; gaps at the start or end take the nearest observed value;
        - 'mean', 'median': the feature's mean or median over the real,
          non-missing steps of the training sequences;
        - 'constant': ``fill_value``.

        With 'ffill', 'bfill' and 'linear', a feature missing throughout a
        sequence takes the feature's training mean. A feature never observed
        in training is filled with 0.
    fill_value : float, default=0.0
        The value used by ``strategy='constant'``.
    add_indicator : bool, default=False
        Whether to append one channel per input feature that is 1 where the
        value was missing and 0 where it was observed (NaN on padding): the
        pattern of missingness is information an RNN can use.

    Attributes
    ----------
    statistics_ : ndarray of shape (n_channels_in_,)
        Per feature: the fill value of 'mean', 'median' and 'constant', and for
        the other strategies the training mean used for fully missing features.
    n_features_in_ : int
        Width of 2D ``X`` seen in ``fit``, else the number of features per step.
    n_channels_in_ : int
        Number of features per timestep.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import SequenceImputer
    >>> nan = np.nan
    >>> X = [np.array([[1.0, 2.0], [nan, 4.0], [3.0, nan], [nan, 8.0]]),
    ...      np.array([[nan, 1.0], [5.0, 1.0]])]
    >>> X_filled = SequenceImputer(strategy="linear").fit_transform(X)
    >>> X_filled[0]
    array([[1., 2.],
           [2., 4.],
           [3., 6.],
           [3., 8.]])
    >>> X_filled[1]
    array([[ 5.,  1.],
           [ 5.,  1.],
           [nan, nan],
           [nan, nan]])
    """

    _parameter_constraints: dict = {
        "strategy": [StrOptions(_FILL_STRATEGIES)],
        "fill_value": [Real],
        "add_indicator": ["boolean"],
    }

    def __init__(self, *, strategy="ffill", fill_value=0.0, add_indicator=False):
        self.strategy = strategy
        self.fill_value = fill_value
        self.add_indicator = add_indicator

    def _fit(self, seqs):
        steps = real_steps(seqs)
        if self.strategy == "constant":
            stats = np.full(steps.shape[1], self.fill_value, dtype=np.float64)
        else:
            reduce = np.nanmedian if self.strategy == "median" else np.nanmean
            observed = ~np.isnan(steps).all(axis=0)
            stats = np.zeros(steps.shape[1])
            if observed.any():
                stats[observed] = reduce(steps[:, observed], axis=0)
        self.statistics_ = stats

    def _transform(self, seqs):
        values, mask = seqs.values, seqs.mask
        missing = np.isnan(values) & mask[:, :, None]
        filled = values.copy()
        if missing.any():
            fill = self._fill_values(values, missing, mask)
            filled[missing] = fill[missing]
        if self.add_indicator:
            filled = np.concatenate([filled, missing.astype(filled.dtype)], axis=2)
            filled[~mask] = np.nan
        return filled

    def _fill_values(self, values, missing, mask):
        stats = self.statistics_.astype(values.dtype)
        if self.strategy in ("mean", "median", "constant"):
            return np.broadcast_to(stats, values.shape)
        observed = ~np.isnan(values) & mask[:, :, None]
        T = values.shape[1]
        t = np.arange(T)[None, :, None]
        before = np.maximum.accumulate(np.where(observed, t, -1), axis=1)
        after = np.minimum.accumulate(np.where(observed, t, T)[:, ::-1], axis=1)[
            :, ::-1
        ]
        has_before, has_after = before >= 0, after < T
        previous = np.take_along_axis(values, before.clip(0, T - 1), axis=1)
        following = np.take_along_axis(values, after.clip(0, T - 1), axis=1)
        if self.strategy == "ffill":
            fill = np.where(has_before, previous, following)
        elif self.strategy == "bfill":
            fill = np.where(has_after, following, previous)
        else:
            span = np.where(after > before, after - before, 1)
            weight = np.where(has_before & has_after, (t - before) / span, 0.0)
            base = np.where(has_before, previous, following)
            step = np.where(has_before & has_after, following - previous, 0.0)
            fill = base + weight * step
        never = ~(has_before | has_after)
        return np.where(never, stats, fill).astype(values.dtype)
