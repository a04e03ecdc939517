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
# The floor on a neighbourhood's robust standard deviation, as a fraction of
# the typical one of the feature: a quiet or quantised neighbourhood (a median
# absolute deviation of 0) is judged against the feature's usual noise.
_FLOOR = 0.5


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
          future. A neighbourhood's robust deviation is floored at half the
          feature's typical one (the median over the training steps), so that
          a quiet or quantised neighbourhood (a deviation of 0) does not flag
          every value that differs from its median.
        - 'iqr': against the feature's quartiles over the real steps of the
          training sequences: an outlier lies more than ``threshold``
          inter-quartile ranges below the first or above the third quartile
          (Tukey's fences; causal, the same bounds for every sequence).

        Where the band has no width (a feature whose typical deviation, or
        inter-quartile range, is 0), nothing is flagged.

    window : int, default=7
        Number of steps of the neighbourhood for 'hampel' (odd; an even number
        is read as the next odd one).

    threshold : float, default=3.0
        How far out an outlier is, in robust standard deviations ('hampel') or
        inter-quartile ranges ('iqr'). 3: Pearson's rule for 'hampel', Tukey's
        "far out" for 'iqr'. Of a normal series, 'hampel' flags about 4 values
        in 100 with the default window (the deviation of 7 values is a noisy
        estimate; about 2 in 100 with ``window=15``, 1 in 100 with 31), 'iqr'
        almost none.

    action : {'nan', 'clip'}, default='nan'
        'nan' replaces an outlier by NaN, for :class:`SequenceImputer` to fill,
        but clips one at the first or last real step of a sequence (an all-NaN
        step there would read as padding, by the data contract, and shorten
        the sequence); 'clip' moves every outlier to the nearest bound (the
        neighbourhood's median plus or minus ``threshold`` robust deviations,
        or the fence). Both keep every step.

    features : array-like of int, bool or str, default=None
        The features it filters: indices, a boolean mask, or column names when
        ``X`` is an ``(id, time)`` DataFrame; the others pass through unchanged.
        None: every feature. Leave out flag, count and code columns (events,
        categorical codes): their rare values are information, not errors.

    Attributes
    ----------
    lower_, upper_ : ndarray of shape (`n_channels_in_`,)
        The fences of 'iqr' (NaN for features not read, infinite where the
        quartiles coincide); None for 'hampel'.

    scale_floor_ : ndarray of shape (`n_channels_in_`,)
        The floor of 'hampel' on a neighbourhood's robust standard deviation:
        half the median of those of the training steps (NaN for features not
        read); None for 'iqr'.

    n_outliers_ : ndarray of shape (`n_channels_in_`,)
        Number of values of each feature of the training sequences judged
        outliers (deleted or clipped).

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
        self.lower_ = self.upper_ = self.scale_floor_ = None
        if self.method == "hampel":
            _, spread = _neighbourhoods(seqs.values, self.window // 2)
            with warnings.catch_warnings():  # a feature never observed: NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                typical = np.nanmedian(spread[seqs.mask], axis=0)
            self.scale_floor_ = np.where(read, _FLOOR * np.nan_to_num(typical), np.nan)
        else:
            steps = real_steps(seqs).astype(np.float64)
            with warnings.catch_warnings():  # a feature never observed: NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                q1, q3 = np.nanpercentile(steps, [25, 75], axis=0)
            # Quartiles that coincide (a flag or a code column) flag nothing.
            spread = np.where(q3 > q1, self.threshold * (q3 - q1), np.inf)
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
        median, spread = _neighbourhoods(values, self.window // 2)
        reach = self.threshold * np.fmax(spread, self.scale_floor_)
        # A band of zero width (a constant neighbourhood in a feature whose
        # neighbourhoods are mostly constant) flags nothing.
        reach = np.where(reach > 0, reach, np.inf)
        low = np.where(read, median - reach, -np.inf).astype(dtype)
        high = np.where(read, median + reach, np.inf).astype(dtype)
        return low, high

    def _transform(self, seqs):
        values = seqs.values
        low, high = self._bounds(values, self._read_mask())
        # NaN bounds (no neighbourhood) leave the value as it is; a NaN value
        # (missing, or padding) stays NaN, which np.fmax alone would not keep.
        clipped = np.where(
            np.isnan(values), values, np.fmin(np.fmax(values, low), high)
        )
        if self.action == "clip":
            return clipped
        outside = (values < low) | (values > high)
        # The first and last real steps are clipped: deleted, a univariate
        # step there would be all-NaN, i.e. padding that no imputer fills.
        ends = np.zeros(seqs.mask.shape, dtype=bool)
        rows = np.arange(len(seqs.lengths))
        ends[rows, 0] = ends[rows, np.maximum(seqs.lengths - 1, 0)] = True
        return np.where(outside & ~ends[..., None], np.nan, clipped)


def _neighbourhoods(values, half):
    """The median and the robust standard deviation (1.4826 times the median
    absolute deviation) of the ``2 * half + 1`` steps centred on each value of
    ``values`` ``(n, T, d)``, over the observed values of its own sequence."""
    # NaN around each sequence (its padding is NaN already): a window near an
    # end holds fewer real steps, never another sequence's.
    edged = np.pad(values, ((0, 0), (half, half), (0, 0)), constant_values=np.nan)
    windows = sliding_window_view(edged, 2 * half + 1, axis=1)
    with warnings.catch_warnings():  # windows without one observed value
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(windows, axis=3)
        mad = np.nanmedian(np.abs(windows - median[..., None]), axis=3)
    return median, _MAD_TO_STD * mad
