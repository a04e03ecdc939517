"""Sequence transformers: padding/truncation, imputation and robust scaling.

scikit-learn's ``SimpleImputer`` and ``StandardScaler`` refuse 3D input, and
flattening the time axis mixes statistics of different timesteps. These
transformers read every input form of the data contract, learn their
statistics per feature over the real (non-padding, non-missing) steps only,
and return sequences aligned to step 0 with NaN padding after them: a 2D array
for 2D input whose width they keep, a 3D array otherwise.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._sequences import check_sequences

__all__ = ["SequenceImputer", "SequencePadder", "SequenceScaler"]


class _SequenceTransformer(TransformerMixin, BaseEstimator):
    """Validate with the data contract, then call ``_fit``/``_transform``."""

    # Whether univariate 2D input comes back 2D (else always 3D).
    _keeps_2d = True

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the transformation from sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences; trailing (or leading) all-NaN timesteps are padding.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._fit(check_sequences(self, X, reset=True, allow_nan=True))
        return self

    def transform(self, X):
        """Transform sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences with as many features per timestep as in ``fit``.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_timesteps_out, n_features_out) or \
(n_samples, n_timesteps_out)
            NaN-padded sequences aligned to step 0; 2D when ``X`` was 2D and the
            number of features did not change (``SequencePadder`` always
            returns 3D).
        """
        return self._apply(self._transform, X)

    def _apply(self, function, X):
        """Validate ``X`` against the fit, apply ``function``, shape the output."""
        check_is_fitted(self)
        seqs = check_sequences(self, X, reset=False, allow_nan=True)
        return _output(function(seqs), seqs.is_2d and self._keeps_2d)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _output(values, is_2d):
    return values[:, :, 0] if is_2d and values.shape[2] == 1 else values


def _real_steps(seqs):
    """The real steps of all sequences stacked: ``(n_steps, n_features)``."""
    return seqs.values[seqs.mask]


class SequencePadder(_SequenceTransformer):
    """Pad and truncate sequences to one length, like Keras' ``pad_sequences``.

    The output is always one 3D array ``(n_samples, maxlen, n_features)``, the
    form in which pre-padding is read as padding.

    Parameters
    ----------
    maxlen : int, default=None
        Length of the output sequences. If None, the length of the longest
        sequence seen in ``fit``.
    padding : {'post', 'pre'}, default='post'
        Whether padding goes after or before each sequence.
    truncating : {'post', 'pre'}, default='post'
        Whether longer sequences lose their last ('post') or first ('pre')
        steps.
    fill_value : float, default=np.nan
        Value of the padding steps. NaN is the padding marker of sklearn-rnn:
        with it, pre- and post-padded sequences get exactly the predictions they
        get unpadded. Any other value is read by the estimators as real data.

    Attributes
    ----------
    maxlen_ : int
        Length of the output sequences.
    n_features_in_ : int
        Width of 2D ``X`` seen in ``fit``, else the number of features per step.
    n_channels_in_ : int
        Number of features per timestep.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import SequencePadder
    >>> X = [np.array([1.0, 2.0, 3.0]), np.array([4.0])]
    >>> SequencePadder(padding="pre").fit_transform(X)[:, :, 0]
    array([[ 1.,  2.,  3.],
           [nan, nan,  4.]])
    >>> SequencePadder(maxlen=2, truncating="pre").fit_transform(X)[:, :, 0]
    array([[ 2.,  3.],
           [ 4., nan]])
    """

    _keeps_2d = False
    _parameter_constraints: dict = {
        "maxlen": [Interval(Integral, 1, None, closed="left"), None],
        "padding": [StrOptions({"post", "pre"})],
        "truncating": [StrOptions({"post", "pre"})],
        "fill_value": [Real],
    }

    def __init__(
        self, *, maxlen=None, padding="post", truncating="post", fill_value=np.nan
    ):
        self.maxlen = maxlen
        self.padding = padding
        self.truncating = truncating
        self.fill_value = fill_value

    def _fit(self, seqs):
        self.maxlen_ = int(seqs.lengths.max()) if self.maxlen is None else self.maxlen

    def _transform(self, seqs):
        n, T, d = seqs.values.shape
        maxlen = self.maxlen_
        kept = np.minimum(seqs.lengths, maxlen)
        # Source step of every output step, for all sequences at once.
        steps = np.arange(maxlen)
        offset = seqs.lengths - kept if self.truncating == "pre" else 0
        source = steps + np.reshape(offset, (-1, 1))
        if self.padding == "pre":
            source = source - (maxlen - kept)[:, None]
            real = steps >= (maxlen - kept)[:, None]
        else:
            real = steps < kept[:, None]
        source = np.clip(source, 0, T - 1)[:, :, None]
        out = np.take_along_axis(
            seqs.values, np.broadcast_to(source, (n, maxlen, 1)), 1
        )
        out[~real] = self.fill_value
        return out


_FILL_STRATEGIES = {"ffill", "bfill", "linear", "mean", "median", "constant"}


class SequenceImputer(_SequenceTransformer):
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
        steps = _real_steps(seqs)
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


_SCALING = {"standard", "robust", "minmax"}


class SequenceScaler(_SequenceTransformer):
    """Scale each feature over the real steps of the sequences.

    Parameters
    ----------
    method : {'standard', 'robust', 'minmax'}, default='standard'
        'standard' removes the mean and divides by the standard deviation;
        'robust' removes the median and divides by the inter-quartile range,
        so outliers barely move the scaling; 'minmax' maps the training range
        to [0, 1].
    clip : float, default=None
        If set, scaled values are clipped to ``[-clip, clip]``, which tames
        outliers that remain after scaling. Clipped values are not recovered
        by ``inverse_transform``.

    Attributes
    ----------
    center_ : ndarray of shape (n_channels_in_,)
        Per-feature value subtracted (mean, median or minimum).
    scale_ : ndarray of shape (n_channels_in_,)
        Per-feature divisor (standard deviation, inter-quartile range or
        range); 1 for a constant feature.
    n_features_in_ : int
        Width of 2D ``X`` seen in ``fit``, else the number of features per step.
    n_channels_in_ : int
        Number of features per timestep.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import SequenceScaler
    >>> X = [np.array([1.0, 2.0, 3.0]), np.array([4.0, 100.0])]
    >>> scaler = SequenceScaler(method="robust", clip=3.0).fit(X)
    >>> scaler.center_, scaler.scale_
    (array([3.]), array([2.]))
    >>> scaler.transform(X)[:, :, 0]
    array([[-1. , -0.5,  0. ],
           [ 0.5,  3. ,  nan]])
    """

    _parameter_constraints: dict = {
        "method": [StrOptions(_SCALING)],
        "clip": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(self, *, method="standard", clip=None):
        self.method = method
        self.clip = clip

    def _fit(self, seqs):
        steps = _real_steps(seqs).astype(np.float64)
        with warnings.catch_warnings():
            # A feature never observed in training has no statistics: see below.
            warnings.simplefilter("ignore", RuntimeWarning)
            if self.method == "standard":
                center, scale = np.nanmean(steps, 0), np.nanstd(steps, 0)
            elif self.method == "robust":
                q25, center, q75 = np.nanpercentile(steps, [25, 50, 75], axis=0)
                scale = q75 - q25
            else:
                center = np.nanmin(steps, 0)
                scale = np.nanmax(steps, 0) - center
        # Constant or never-observed features are left unscaled.
        center = np.where(np.isfinite(center), center, 0.0)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        self.center_, self.scale_ = center, scale

    def _transform(self, seqs):
        # NaN (padding and missing values) stays NaN through the arithmetic.
        dtype = seqs.values.dtype
        out = (seqs.values - self.center_.astype(dtype)) / self.scale_.astype(dtype)
        if self.clip is not None:
            out = np.clip(out, -self.clip, self.clip)
        return out

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
