"""SequencePadder: pad and truncate sequences to one length."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import SequenceTransformer

__all__ = ["SequencePadder"]


class SequencePadder(SequenceTransformer):
    """Pad and truncate sequences to one length, like Keras' ``pad_sequences``.

    The output is always one 3D array ``(n_samples, length, n_features)``, the
    form in which pre-padding is read as padding. Unlike the other sequence
    transformers it moves steps: before a per-step estimator, give ``y`` in the
    output's alignment (e.g. padded by ``keras.utils.pad_sequences`` with the
    same settings) or as a list of per-sequence targets.

    Parameters
    ----------
    maxlen : int, default=None
        Length of the output sequences. If None, the length of the longest
        sequence seen in ``fit``, or of the longest in ``X`` when that is
        longer: a learnt length pads but never truncates (as Keras'
        ``pad_sequences`` with ``maxlen=None`` pads to the longest sequence
        it is given), so a longer test sequence keeps its last steps.
    padding : {'post', 'pre'}, default='post'
        Whether padding goes after or before each sequence.
    truncating : {'post', 'pre'}, default='post'
        Whether sequences longer than ``maxlen`` lose their last ('post') or
        first ('pre', Keras' default) steps; only with ``maxlen`` set.
    fill_value : float, default=np.nan
        Value of the padding steps. NaN is the padding marker of sklearn-rnn:
        with it, pre- and post-padded sequences get exactly the predictions they
        get unpadded. Any other value is read by the estimators as real data.

    Attributes
    ----------
    maxlen_ : int
        Length of the output sequences: ``maxlen``, or with None the longest
        training length (a longer sequence in ``transform`` lengthens that
        output).
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
    _keeps_alignment = False  # the padding and truncating parameters decide
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
        if self.maxlen is None:
            # A learnt length pads, it never cuts: a longer test sequence would
            # lose its latest steps, often the ones its label depends on.
            maxlen = max(maxlen, int(seqs.lengths.max()))
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
