"""SequenceImputer: fill missing values inside sequences."""

from numbers import Real

import numpy as np
import torch
from sklearn.utils._param_validation import StrOptions

from ._base import SequenceTransformer, real_steps

__all__ = ["SequenceImputer", "fill_missing", "missing_indicator"]

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

    features : array-like of int, bool or str, default=None
        The features it fills (and indicates, with ``add_indicator``):
        indices, a boolean mask, or column names when ``X`` is an
        ``(id, time)`` DataFrame; the others pass through unchanged
        (e.g. categorical codes for ``categorical_features``). None: every
        feature.

    Attributes
    ----------
    statistics_ : ndarray of shape (`n_channels_in_`,)
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
        "features": ["array-like", None],
    }

    def __init__(
        self, *, strategy="ffill", fill_value=0.0, add_indicator=False, features=None
    ):
        self.strategy = strategy
        self.fill_value = fill_value
        self.add_indicator = add_indicator
        self.features = features

    def _fit(self, seqs):
        self._read_columns(seqs)  # checks features
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
        values = torch.from_numpy(seqs.values)
        mask = torch.from_numpy(seqs.mask)
        stats = torch.from_numpy(self.statistics_.astype(seqs.values.dtype))
        read = torch.from_numpy(self._read_columns())
        filled = fill_missing(values, mask, self.strategy, stats, read)
        if self.add_indicator:
            indicator = missing_indicator(values, mask, read)
            filled = torch.cat([filled, indicator], dim=2)
            filled[~mask] = torch.nan
        return filled.numpy()


def missing_indicator(values, mask, read):
    """1.0 where a real step's value of a feature in ``read`` is NaN, else 0.0."""
    values = values.index_select(2, read)
    return (torch.isnan(values) & mask[:, :, None]).to(values.dtype)


def fill_missing(values, mask, strategy, stats, read):
    """``values`` ``(n, T, d)`` with the NaN of real steps (``mask``) in the
    features ``read`` (indices) filled as ``SequenceImputer(strategy)`` fills
    them; padding and the other features are left as they are.

    Written with operators that ONNX exports (cumulative sums, scatter and
    gather along time, no loop), so that ``to_onnx`` of a pipeline runs this
    same function inside the graph.
    """
    real = mask[:, :, None]
    # Features not read count as observed everywhere: left as they are.
    left = torch.ones(values.shape[2], dtype=torch.bool, device=values.device)
    left[read] = False
    observed = (~torch.isnan(values) & real) | left
    if strategy in ("mean", "median", "constant"):
        fill = stats.expand_as(values)
    else:
        n, T, d = values.shape
        seen = observed.long()
        count = seen.cumsum(1)  # observations up to and including step t
        t = torch.arange(T, device=values.device).view(1, T, 1).expand(n, T, d)
        # Slot k holds the step of the k-th observation (slot 0: unobserved).
        slots = torch.zeros(n, T + 1, d, dtype=torch.long, device=values.device)
        slots = slots.scatter(1, count * seen, t)
        following_k = count - seen + 1  # the first observation at or after t
        has_before = count > 0
        has_after = following_k <= count[:, -1:]
        before = slots.gather(1, count).clamp(max=T - 1)
        after = slots.gather(1, following_k.clamp(max=T)).clamp(max=T - 1)
        previous, following = values.gather(1, before), values.gather(1, after)
        if strategy == "ffill":
            fill = torch.where(has_before, previous, following)
        elif strategy == "bfill":
            fill = torch.where(has_after, following, previous)
        else:
            both = has_before & has_after
            span = torch.where(after > before, after - before, 1).to(values.dtype)
            weight = torch.where(both, (t - before).to(values.dtype) / span, 0.0)
            base = torch.where(has_before, previous, following)
            fill = base + weight * torch.where(both, following - previous, 0.0)
        fill = torch.where(has_before | has_after, fill, stats)
    return torch.where(observed | ~real, values, fill)
