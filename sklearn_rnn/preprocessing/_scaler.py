"""SequenceScaler: scale each feature over the real steps."""

import math
import warnings
from numbers import Real

import numpy as np
import torch
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions

from .._warnings import warn_user
from ._base import SequenceTransformer, real_steps

__all__ = ["SequenceScaler", "scale_values", "statistics"]

_SCALING = {"standard", "robust", "minmax"}
# per_sequence='auto' scales a feature per sequence when the sequences' own
# inter-quartile ranges span more than AUTO_SPREAD between their 10th and 90th
# percentiles, unless the typical sequence sits more than AUTO_LEVEL of its own
# ranges away from 0 (its level then carries information: windows cut from
# one series). Quartiles, so that a few extreme values decide nothing.
AUTO_SPREAD, AUTO_LEVEL = 100.0, 5.0


class SequenceScaler(SequenceTransformer):
    """Scale each feature over the real steps of the sequences.

    Parameters
    ----------
    method : {'standard', 'robust', 'minmax'}, default='standard'
        'standard' removes the mean and divides by the standard deviation;
        'robust' removes the median and divides by the inter-quartile range,
        so outliers barely move the scaling; 'minmax' maps the training range
        to [0, 1].
    clip_value : float, default=None
        If set, scaled values are clipped to ``[-clip_value, clip_value]``,
        which tames outliers that remain after scaling. Clipped values are not
        recovered by ``inverse_transform``. It is not named ``clip``, which in
        ``MinMaxScaler`` is a bool.

    features : array-like of int, bool or str, default=None
        The features it scales: indices, a boolean mask, or column names when
        ``X`` is an ``(id, time)`` DataFrame; the others pass through unchanged
        (e.g. categorical codes for ``categorical_features``). None: every
        feature.

    per_sequence : bool or 'auto', default='auto'
        Whether each sequence is scaled by the statistics of its own real steps
        (per feature, with ``method``) instead of those of the training set:
        the per-series normalisation of the UCR archive. It discards each
        sequence's level and spread. 'auto' does it for the features whose
        sequences' own inter-quartile ranges span more than a factor of 100
        between the 10th and the 90th percentile of the training sequences
        (as appliances' currents do), where one global scale would leave the
        quiet sequences near zero, and warns that it did; why: per-series
        scaling helped only where scales span orders of magnitude and hurt
        where the level is the signal (see "Why the defaults"). Quartiles,
        not standard deviations: 1% of values replaced by ±1e4 turned the
        standard deviations' rule on for a 12-channel set and cost 0.38 of
        accuracy. It stays off where the typical sequence lies more than 5 of
        its own ranges from 0 (windows cut from one series, whose level the
        target needs: M1's monthly windows lie 8.5 away, the appliances 2.9).
        ``inverse_transform`` is not available once a feature is scaled per
        sequence.

    Attributes
    ----------
    per_sequence_ : ndarray of shape (`n_channels_in_`,), dtype=bool
        Which features are scaled by each sequence's own statistics.
    center_ : ndarray of shape (`n_channels_in_`,)
        Per-feature value subtracted (mean, median or minimum; 0 for the
        features ``features`` leaves out, whose ``scale_`` is 1, and for the
        features scaled per sequence, where each sequence brings its own).
    scale_ : ndarray of shape (`n_channels_in_`,)
        Per-feature divisor (standard deviation, inter-quartile range or
        range): for every method ``X_scaled = (X - center_) / scale_``, the
        meaning of ``StandardScaler.scale_`` and ``RobustScaler.scale_`` (not
        of ``MinMaxScaler.scale_``, a multiplier). A constant feature, by
        scikit-learn's rules (a variance within rounding error of zero, a
        scale below ``10 * eps``), gets 1 and is scaled to 0.
    n_features_in_ : int
        Width of 2D ``X`` seen in ``fit``, else the number of features per step.
    n_channels_in_ : int
        Number of features per timestep.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import SequenceScaler
    >>> X = [np.array([1.0, 2.0, 3.0]), np.array([4.0, 100.0])]
    >>> scaler = SequenceScaler(method="robust", clip_value=3.0).fit(X)
    >>> scaler.center_, scaler.scale_
    (array([3.]), array([2.]))
    >>> scaler.transform(X)[:, :, 0]
    array([[-1. , -0.5,  0. ],
           [ 0.5,  3. ,  nan]])
    """

    _parameter_constraints: dict = {
        "method": [StrOptions(_SCALING)],
        "clip_value": [Interval(Real, 0, None, closed="neither"), None],
        "features": ["array-like", None],
        "per_sequence": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self, *, method="standard", clip_value=None, features=None, per_sequence="auto"
    ):
        self.method = method
        self.clip_value = clip_value
        self.features = features
        self.per_sequence = per_sequence

    def _fit(self, seqs):
        read = self._read_mask(seqs)  # the features passed through: 0 and 1
        if self.per_sequence == "auto":
            per_sequence = read & _scales_span_orders(_real_values(seqs))
            if per_sequence.any():
                warn_user(
                    f"per_sequence='auto' scales feature(s) "
                    f"{np.flatnonzero(per_sequence).tolist()} by each sequence's "
                    "own statistics (their scales span orders of magnitude), "
                    "which discards each sequence's level. Set "
                    "per_sequence=False if the level carries the target.",
                    UserWarning,
                )
        else:
            per_sequence = read & self.per_sequence
        if per_sequence.all():  # nothing global to learn
            width = seqs.values.shape[2]
            center, scale = np.zeros(width), np.ones(width)
        else:
            steps = real_steps(seqs).astype(np.float64)
            center, scale = _statistics(steps, self.method, axis=0)
        keep = read & ~per_sequence
        self.per_sequence_ = per_sequence
        self.center_, self.scale_ = (
            np.where(keep, center, 0.0),
            np.where(keep, scale, 1.0),
        )

    def _transform(self, seqs):
        # NaN (padding and missing values) stays NaN through the arithmetic.
        dtype = seqs.values.dtype
        center, scale = self.center_.astype(dtype), self.scale_.astype(dtype)
        if self.per_sequence_.any():  # each sequence's own, over its real steps
            own_center, own_scale = _statistics(_real_values(seqs), self.method, 1)
            center = np.where(self.per_sequence_, own_center[:, None], center)
            scale = np.where(self.per_sequence_, own_scale[:, None], scale)
            center, scale = center.astype(dtype), scale.astype(dtype)
        scaled = scale_values(seqs.values, center, scale, self.clip_value)
        if self.features is None:
            return scaled
        return np.where(self._read_mask(), scaled, seqs.values)

    def _scales_each_sequence(self):
        if hasattr(self, "per_sequence_"):
            return bool(self.per_sequence_.any())
        return self.per_sequence is True

    @available_if(lambda self: not self._scales_each_sequence())
    def inverse_transform(self, X):
        """Undo the scaling (values clipped by ``clip`` stay clipped).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Scaled sequences.

        Returns
        -------
        X_original : ndarray
            Sequences in the original units, in the form ``transform`` returns.
        """
        return self._apply(self._inverse_transform, X)

    def _inverse_transform(self, seqs):
        dtype = seqs.values.dtype
        return seqs.values * self.scale_.astype(dtype) + self.center_.astype(dtype)


def scale_values(values, center, scale, clip_value):
    """``(values - center) / scale``, clipped to ``±clip_value`` unless None:
    numpy arrays in ``transform``, torch tensors in ``to_onnx``'s graph."""
    out = (values - center) / scale
    return out if clip_value is None else out.clip(-clip_value, clip_value)


def _real_values(seqs):
    """The padded values in float64, NaN on the padding."""
    return np.where(seqs.mask[..., None], seqs.values, np.nan).astype(np.float64)


def _scales_span_orders(values):
    """Per feature, whether 'auto' scales it per sequence (see AUTO_SPREAD)."""
    centers, scales = _statistics(values, "robust", 1, fill=False)
    with warnings.catch_warnings():  # a feature no sequence has a range for
        warnings.simplefilter("ignore", RuntimeWarning)
        level = np.nanmedian(np.abs(centers) / scales, axis=0)
    return (_spread(scales) > AUTO_SPREAD) & ~(level > AUTO_LEVEL)


def _spread(scales):
    """Per feature, the ratio of the 90th to the 10th percentile of the
    sequences' own scales (``(n_sequences, n_features)``, NaN where a sequence
    has none): 1 where fewer than two sequences have one."""
    spread = np.ones(scales.shape[1])
    for j, column in enumerate(scales.T):
        column = column[~np.isnan(column)]
        if len(column) >= 2:
            low, high = np.percentile(column, [10, 90])
            spread[j] = high / low
    return spread


def _statistics(values, method, axis, *, fill=True):
    """``(center, scale)`` of the numpy array ``values`` along ``axis`` by
    ``method``, NaN ignored: :func:`statistics` ('robust': numpy's
    percentiles, then the same rule for an unusable scale)."""
    if method != "robust":
        center, scale = statistics(torch.from_numpy(values), method, axis, fill=fill)
        return center.numpy(), scale.numpy()
    with warnings.catch_warnings():
        # A feature never observed has no quartiles: _usable() says so.
        warnings.simplefilter("ignore", RuntimeWarning)
        q25, center, q75 = np.nanpercentile(values, [25, 50, 75], axis=axis)
    center, scale = _usable(torch.from_numpy(center), torch.from_numpy(q75 - q25), fill)
    return center.numpy(), scale.numpy()


def statistics(values, method, dim, *, fill=True):
    """``(center, scale)`` of the tensor ``values`` along ``dim``, NaN ignored:
    the mean and standard deviation ('standard') or the minimum and range
    ('minmax'), with :func:`_usable`'s rule for a feature never observed or
    constant.

    Written with operators that ONNX exports, so that ``transform`` (each
    sequence's statistics in float64) and ``to_onnx``'s graph (the same, after
    casting its float32 input to float64) run this same function.
    """
    seen = ~torch.isnan(values)
    n = seen.sum(dim).to(values.dtype)  # 0 where never observed: NaN below
    if method == "standard":
        center = torch.where(seen, values, 0.0).sum(dim) / n
        deviation = torch.where(seen, values - center.unsqueeze(dim), 0.0)
        var = deviation.square().sum(dim) / n
        scale = torch.where(_constant(var, center, n), 0.0, var.sqrt())
    else:  # 'minmax'
        center = torch.where(seen, values, math.inf).amin(dim)
        scale = torch.where(seen, values, -math.inf).amax(dim) - center
    return _usable(center, scale, fill)


def _usable(center, scale, fill):
    """A feature never observed gets center 0 and scale 1, a constant one
    (a scale below ``10 * eps``: scikit-learn's ``_handle_zeros_in_scale``
    rule) scale 1; with ``fill=False`` both are NaN there instead."""
    valid = torch.isfinite(scale) & (scale >= 10 * _EPS)
    if not fill:
        return torch.where(valid, center, math.nan), torch.where(valid, scale, math.nan)
    center = torch.where(torch.isfinite(center), center, 0.0)
    return center, torch.where(valid, scale, 1.0)


# float64's, whatever the values' dtype: the graph computes in float64 too.
_EPS = float(np.finfo(np.float64).eps)


def _constant(var, mean, n):
    """Whether a variance is within rounding error of zero.

    The bound on the error of a float64 variance computed from ``n`` values
    (Chan, Golub and LeVeque), the rule ``StandardScaler`` uses.
    """
    return var <= n * _EPS * var + (n * mean * _EPS) ** 2
