"""StepTransformer: a scikit-learn transformer applied to every timestep."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods

from ._base import SequenceTransformer, real_steps

__all__ = ["StepTransformer"]


class StepTransformer(SequenceTransformer):
    """Apply a scikit-learn transformer to every timestep of every sequence.

    scikit-learn's transformers refuse 3D input, and flattening the time axis
    mixes different steps into one row. This wrapper fits ``transformer`` on
    the real steps of all training sequences stacked as rows (padding
    skipped), then transforms each step on its own: lengths, padding and the
    input form are kept, the number of features may change (``PCA``,
    ``OneHotEncoder``, ``SplineTransformer``...).

    Parameters
    ----------
    transformer : transformer object
        A scikit-learn transformer (``fit`` and ``transform``), cloned in
        ``fit``. It must return one row per row it is given, and at the first
        and last real step of every sequence a row not all NaN (an all-NaN
        step there reads as padding: it is refused; inside a sequence it is a
        missing step, for :class:`SequenceImputer`).

    features : array-like of int, bool or str, default=None
        The features it reads: indices, a boolean mask, or column names when
        ``X`` is an ``(id, time)`` DataFrame. Its output comes first, then the
        other features unchanged, in their order (as ``ColumnTransformer``
        with ``remainder='passthrough'``). None: every feature.

    Attributes
    ----------
    transformer_ : transformer object
        The fitted clone of ``transformer``.

    n_features_in_ : int
        Width of 2D ``X`` seen in ``fit``, else the number of features per step.

    n_channels_in_ : int
        Number of features per timestep.

    feature_names_in_ : ndarray of shape (`n_channels_in_`,)
        Column names of an ``(id, time)`` DataFrame seen in ``fit``.

    See Also
    --------
    SequenceScaler : Scale each feature, with statistics over the real steps.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sklearn_rnn import StepTransformer
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.normal(size=(5, 4)), rng.normal(size=(3, 4))]
    >>> X_out = StepTransformer(PCA(n_components=2)).fit_transform(X)
    >>> X_out.shape  # NaN-padded: the second sequence keeps its 3 steps
    (2, 5, 2)
    >>> np.isnan(X_out[1, 3:]).all()
    np.True_
    """

    _parameter_constraints: dict = {
        "transformer": [HasMethods(["fit", "transform"])],
        "features": ["array-like", None],
    }

    def __init__(self, transformer, *, features=None):
        self.transformer = transformer
        self.features = features

    def _fit(self, seqs):
        read = self._read_columns(seqs)
        self.transformer_ = clone(self.transformer).fit(real_steps(seqs)[:, read])

    def _transform(self, seqs):
        steps = real_steps(seqs)
        read = self._read_columns()
        out = self.transformer_.transform(steps[:, read])
        if sp.issparse(out):
            out = out.toarray()
        out = np.asarray(out)
        if out.ndim != 2 or len(out) != len(steps):
            raise ValueError(
                f"{type(self.transformer_).__name__} returned an array of shape "
                f"{out.shape} for {len(steps)} timesteps: StepTransformer needs "
                "one output row per timestep (a transformer that adds or drops "
                "rows cannot run per step)."
            )
        kept = np.setdiff1d(np.arange(steps.shape[1]), read)
        joined = np.hstack([out.astype(steps.dtype, copy=False), steps[:, kept]])
        # (A step given all-NaN, a missing one in 2D X, may stay so.)
        emptied = np.isnan(joined).all(axis=1) & ~np.isnan(steps).all(axis=1)
        self._check_ends(emptied, seqs.lengths)
        values = np.full(seqs.mask.shape + (joined.shape[1],), np.nan, steps.dtype)
        values[seqs.mask] = joined
        return values

    def _check_ends(self, empty, lengths):
        """Refuse an all-NaN output row at the first or last real step of a
        sequence: it would read as padding and shorten the sequence, moving
        its per-step targets. Inside a sequence it is a missing step, kept for
        :class:`SequenceImputer`."""
        first = np.cumsum(lengths) - lengths
        for position, ends in (("first", first), ("last", first + lengths - 1)):
            hit = np.flatnonzero(empty[ends])
            if hit.size:
                i = int(hit[0])
                step = 0 if position == "first" else int(lengths[i]) - 1
                raise ValueError(
                    f"{type(self.transformer_).__name__} returned NaN in every "
                    f"feature for the {position} real step (step {step}) of "
                    f"sequence {i}: an all NaN step at either end of a sequence "
                    "reads as padding, which would shorten the sequence. Make the "
                    "transformer return a value there, or drop or fill that "
                    "step of X first."
                )

    def get_feature_names_out(self, input_features=None):
        """The output features: the transformer's, then the ones passed through.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input feature names; by default ``feature_names_in_`` if set, else
            ``x0``, ``x1``...

        Returns
        -------
        feature_names_out : ndarray of str
            The transformer's own output names followed by the names of the
            features it did not read.
        """
        names = self._input_names(input_features)
        read = self._read_columns()
        kept = np.setdiff1d(np.arange(len(names)), read)
        own = self.transformer_.get_feature_names_out(names[read])
        return np.concatenate([np.asarray(own, dtype=object), names[kept]])
