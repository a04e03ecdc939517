"""The base class of the sequence transformers.

scikit-learn's ``SimpleImputer`` and ``StandardScaler`` refuse 3D input, and
flattening the time axis mixes statistics of different timesteps. The
transformers read every input form of the data contract, learn their
statistics per feature over the real (non-padding, non-missing) steps only,
and return NaN-padded arrays: a 2D array for 2D input whose width they keep,
a 3D array otherwise. Every step stays where it was (pre-padded sequences stay
pre-padded), because a pipeline never transforms ``y``: per-step targets
aligned with ``X`` stay aligned with what reaches the estimator. Only
:class:`SequencePadder`, whose job is to move steps, sets its own alignment.
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted

from .._input._categories import check_columns
from .._input._validation import check_sequences, commit_input_attributes

__all__ = ["SequenceTransformer", "real_steps"]


class SequenceTransformer(TransformerMixin, BaseEstimator):
    """Validate with the data contract, then call ``_fit``/``_transform``."""

    # Whether univariate 2D input comes back 2D (else always 3D).
    _keeps_2d = True
    # Whether each step comes back where it was in X (else aligned to step 0).
    _keeps_alignment = True

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
            The fitted transformer.
        """
        seqs = check_sequences(self, X, reset=True, allow_nan=True)
        self._fit(seqs)
        commit_input_attributes(self, seqs)
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
            NaN-padded sequences, each step where it was in ``X`` (for
            ``SequencePadder``: as its ``padding`` says); 2D when ``X`` was 2D
            and the number of features did not change (``SequencePadder``
            always returns 3D).
        """
        return self._apply(self._transform, X)

    def _apply(self, function, X):
        """Validate ``X`` against the fit, apply ``function``, shape the output."""
        check_is_fitted(self)
        seqs = check_sequences(self, X, reset=False, allow_nan=True)
        values = function(seqs)
        if seqs.starts is not None and self._keeps_alignment:
            values = _realign(values, seqs)
        return _output(values, seqs.is_2d and self._keeps_2d)

    def _columns(self, param, seqs=None):
        """The sorted feature indices the parameter ``param`` names: from
        ``seqs`` during ``fit``, from the fitted attributes after it."""
        if seqs is not None:
            width = seqs.values.shape[2]
            names = (seqs.input_attributes or {}).get("feature_names_in_")
        else:
            width = self.n_channels_in_
            names = getattr(self, "feature_names_in_", None)
        value = getattr(self, param)
        if param == "features" and value is None:
            return np.arange(width)
        if not isinstance(value, (list, tuple, np.ndarray)):
            value = [value]
        name = type(self).__name__
        return np.array(check_columns(value, width, name, names, param), dtype=int)

    def _read_columns(self, seqs=None):
        """Indices of the features named by ``features`` (all when None)."""
        return self._columns("features", seqs)

    def _input_names(self, input_features):
        """``input_features``, else ``feature_names_in_``, else x0, x1...:
        scikit-learn's rule for ``get_feature_names_out``."""
        if input_features is None:
            input_features = getattr(self, "feature_names_in_", None)
        if input_features is None:
            input_features = [f"x{j}" for j in range(self.n_channels_in_)]
        return np.asarray(input_features, dtype=object)

    def _read_mask(self, seqs=None):
        """``_read_columns`` as a boolean mask over the features."""
        width = seqs.values.shape[2] if seqs is not None else self.n_channels_in_
        mask = np.zeros(width, dtype=bool)
        mask[self._read_columns(seqs)] = True
        return mask

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _output(values, is_2d):
    return values[:, :, 0] if is_2d and values.shape[2] == 1 else values


def _realign(values, seqs):
    """Move each sequence of ``values`` (aligned to step 0) back to where its
    steps were in the input: after its leading padding."""
    out = np.full_like(values, np.nan)
    out[seqs.input_positions()] = values[seqs.mask]
    return out


def real_steps(seqs):
    """The real steps of all sequences stacked: ``(n_steps, n_features)``."""
    return seqs.values[seqs.mask]
