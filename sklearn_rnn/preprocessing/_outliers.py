"""SequenceOutlierFilter: find values far from their neighbourhood."""

import warnings
from numbers import Integral, Real

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import SequenceTransformer, real_steps

__all__ = ["SequenceOutlierFilter"]

# The median absolute deviation of a normal sample times this is its standard
# deviation.
_MAD_TO_STD = 1.4826


class SequenceOutlierFilter(SequenceTransformer):
    """Replace outliers inside sequences by NaN, or clip them.

    The tutorial's answer to outliers, "delete them, then fill", as a
    transformer: put it before :class:`SequenceImputer` in a pipeline, which
    fills the NaN it leaves.

    Parameters
    ----------
    method : {'hampel', 'iqr'}, default='hampel'
        How a value is judged:

        - 'hampel' (a Hampel filter): against its neighbourhood within its own
          sequence, the ``window`` real steps centred on it: an outlier lies
          more than ``threshold`` robust standard deviations (1.4826 times the
          median absolute deviation) from the neighbourhood's median. It adapts
          to trends and to each sequence's level; it reads ``window // 2``
          steps ahead, so a per-step model fed its output sees a little of the
          future.
        - 'iqr': against the feature's quartiles over the real steps of the
          training sequences: an outlier lies more than ``threshold``
          inter-quartile ranges below the first or above the third quartile
          (Tukey's fences; causal, the same bounds for every sequence).

    window : int, default=7
        Number of steps of the neighbourhood for 'hampel' (odd; an even number
        is read as the next odd one).

    threshold : float, default=3.0
        How far out an outlier is, in robust standard deviations ('hampel') or
        inter-quartile ranges ('iqr'). 3: Pearson's rule for 'hampel', Tukey's
        "far out" for 'iqr'; about 3 in 1,000 values of a normal series are
        flagged by the first, none by the second.

    action : {'nan', 'clip'}, default='nan'
        'nan' replaces an outlier by NaN, for :class:`SequenceImputer` to fill
        (a step left all-NaN at either end of a sequence then reads as padding,
        by the data contract); 'clip' moves it to the nearest bound (the
        neighbourhood's median plus or minus ``threshold`` robust deviations,
        or the fence) and keeps every step.

    features : array-like of int, bool or str, default=None
        The features it filters: indices, a boolean mask, or column names when
        ``X`` is an ``(id, time)`` DataFrame; the others pass through unchanged
        (e.g. categorical codes). None: every feature.

    Attributes
    ----------
    lower_, upper_ : ndarray of shape (`n_channels_in_`,)
        The fences of 'iqr' (NaN for features not read); None for 'hampel'.

    n_outliers_ : ndarray of shape (`n_channels_in_`,)
        Number of values of each feature of the training sequences judged
        outliers.

    n_features_in_ : int
        Width of 2D ``X`` seen in ``fit``, else the number of features per step.

    n_channels_in_ : int
        Number of features per timestep.

    feature_names_in_ : ndarray of shape (`n_channels_in_`,)
        Column names of an ``(id, time)`` DataFrame seen in ``fit``.

    See Also
    --------
    SequenceImputer : Fill the NaN this transformer leaves.
    SequenceScaler : Robust scaling and clipping of whole features.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import SequenceOutlierFilter
    >>> x = np.array([1.0, 1.1, 0.9, 1.0, 25.0, 1.1, 1.0, 0.9, 1.0])
    >>> filtered = SequenceOutlierFilter().fit_transform([x])
    >>> filtered[0]
    array([1. , 1.1, 0.9, 1. , nan, 1.1, 1. , 0.9, 1. ])
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"hampel", "iqr"})],
        "window": [Interval(Integral, 3, None, closed="left")],
        "threshold": [Interval(Real, 0, None, closed="neither")],
        "action": [StrOptions({"nan", "clip"})],
        "features": ["array-like", None],
    }

    def __init__(
        self, *, method="hampel", window=7, threshold=3.0, action="nan", features=None
    ):
        self.method = method
        self.window = window
        self.threshold = threshold
        self.action = action
        self.features = features

    def _fit(self, seqs):
        read = self._read_mask(seqs)
        self.lower_ = self.upper_ = None
        if self.method == "iqr":
            steps = real_steps(seqs).astype(np.float64)
            with warnings.catch_warnings():  # a feature never observed: NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                q1, q3 = np.nanpercentile(steps, [25, 75], axis=0)
            spread = self.threshold * (q3 - q1)
            self.lower_ = np.where(read, q1 - spread, np.nan)
            self.upper_ = np.where(read, q3 + spread, np.nan)
        low, high = self._bounds(seqs.values, read)
        outside = (seqs.values < low) | (seqs.values > high)
        self.n_outliers_ = outside.sum(axis=(0, 1))

    def _bounds(self, values, read):
        """Per value, the interval outside which it is an outlier (±inf for
        the features not read, NaN where no bound can be computed)."""
        dtype = values.dtype
        if self.method == "iqr":
            low = np.where(read, self.lower_, -np.inf).astype(dtype)
            high = np.where(read, self.upper_, np.inf).astype(dtype)
            return np.broadcast_to(low, values.shape), np.broadcast_to(
                high, values.shape
            )
        half = self.window // 2
        # NaN around each sequence (its padding is NaN already): a window
        # near an end holds fewer real steps, never another sequence's.
        edged = np.pad(values, ((0, 0), (half, half), (0, 0)), constant_values=np.nan)
        windows = sliding_window_view(edged, 2 * half + 1, axis=1)
        with warnings.catch_warnings():  # windows without one observed value
            warnings.simplefilter("ignore", RuntimeWarning)
            median = np.nanmedian(windows, axis=3)
            mad = np.nanmedian(np.abs(windows - median[..., None]), axis=3)
        reach = self.threshold * _MAD_TO_STD * mad
        low = np.where(read, median - reach, -np.inf).astype(dtype)
        high = np.where(read, median + reach, np.inf).astype(dtype)
        return low, high

    def _transform(self, seqs):
        values = seqs.values
        low, high = self._bounds(values, self._read_mask())
        if self.action == "clip":
            # NaN bounds (no neighbourhood) leave the value as it is.
            return np.fmin(np.fmax(values, low), high)
        outside = (values < low) | (values > high)
        return np.where(outside, np.nan, values)
