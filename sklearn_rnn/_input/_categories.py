"""Per-step categorical features: which columns, their categories, their codes.

A categorical feature holds non-negative integer codes at every real step.
``fit`` learns the codes it sees (``categories_``); the network receives, in
place of each code, its index ``1..n`` among them, and 0 for a code unseen in
training, which :class:`~sklearn_rnn._nn._embedding.CategoricalEmbedding` maps to a
fixed zero vector: the "unknown" category.
"""

from numbers import Integral

import numpy as np

__all__ = [
    "check_categorical_features",
    "check_columns",
    "embedding_dims",
    "encode_categories",
]

# Codes travel through the float32 arrays of the data path; every integer up
# to 2**24 is exact there.
MAX_CODE = 2**24
# The widest embedding embedding_dim='auto' gives (see embedding_dims).
AUTO_MAX_DIM = 8


def check_categorical_features(
    categorical_features, n_features, name, feature_names=None
):
    """The sorted column indices that ``categorical_features`` names."""
    return check_columns(
        categorical_features, n_features, name, feature_names, "categorical_features"
    )


def check_columns(columns, n_features, name, feature_names, param):
    """The sorted column indices that the parameter ``param`` (value
    ``columns``) names: indices, a boolean mask, or column names of a DataFrame
    ``X`` (``feature_names``); ``()`` for None."""
    if columns is None:
        return ()
    mask = np.asarray(columns)
    if mask.dtype.kind in "UO" and len(mask):
        mask = _indices_of_names(mask, feature_names, n_features, name, param)
    if mask.ndim != 1:
        raise ValueError(
            f"{param} must be a 1D array-like of feature indices or a "
            f"boolean mask, got an array of shape {mask.shape}."
        )
    if mask.dtype == bool:
        if len(mask) != n_features:
            raise ValueError(
                f"{param} is a boolean mask of length {len(mask)}, "
                f"but X has {n_features} features per timestep; give one entry "
                "per feature."
            )
        return tuple(int(j) for j in np.flatnonzero(mask))
    if len(mask) and not all(isinstance(j, Integral) for j in mask.tolist()):
        raise ValueError(
            f"{param} must hold integer feature indices or booleans, got {columns!r}."
        )
    indices = sorted({int(j) for j in mask.tolist()})
    if len(indices) != len(mask):
        raise ValueError(f"{param} lists a feature twice: {columns!r}.")
    bad = [j for j in indices if not 0 <= j < n_features]
    if bad:
        raise ValueError(
            f"{param} holds index {bad[0]}, but X has {n_features} "
            f"features per timestep (valid indices: 0 to {n_features - 1}), as "
            f"required by {name}."
        )
    return tuple(indices)


def _indices_of_names(names, feature_names, n_features, name, param):
    if feature_names is None or len(feature_names) != n_features:
        raise ValueError(
            f"{param} names columns ({[str(c) for c in names]}), but X has no "
            f"column names: name the features by index, or pass X "
            f"as a DataFrame with an (id, time) MultiIndex, as required by {name}."
        )
    known = {str(c): j for j, c in enumerate(feature_names)}
    missing = [str(c) for c in names if str(c) not in known]
    if missing:
        raise ValueError(
            f"{param} names {missing}, which are not columns of X "
            f"(its columns: {list(feature_names)})."
        )
    return np.array([known[str(c)] for c in names])


def embedding_dims(n_categories, embedding_dim):
    """The width of each feature's embedding.

    ``'auto'``: ``min(8, round(1.6 * n ** 0.56))`` for ``n`` categories,
    fast.ai's rule of thumb capped at 8 (the measurements are in the
    estimators' docstrings).
    """
    if embedding_dim != "auto":
        return [int(embedding_dim)] * len(n_categories)
    return [min(AUTO_MAX_DIM, max(1, round(1.6 * n**0.56))) for n in n_categories]


def encode_categories(seqs, categorical, categories, estimator, learn_from=None):
    """``(values, categories)``: ``seqs.values`` with each categorical column's
    codes replaced by their index in ``categories`` (learned here when None,
    from the sequences where the boolean ``learn_from`` is True: those of
    positive sample weight).

    The user's array is never written to: the values are copied first.
    Padding steps hold 0 already (``check_sequences(pad_value=0.0)``), which
    is also the index of the unknown category.
    """
    if not categorical:
        return seqs.values, None
    values = seqs.values.copy()
    if seqs.offsets is None:
        real = seqs.mask
        owner = lambda flat_row: flat_row // values.shape[1]  # noqa: E731
        sequence = np.repeat(np.arange(len(values)), values.shape[1])[real.ravel()]
    else:  # concatenated steps; the last row stands for padding
        real = np.ones(len(values), dtype=bool)
        real[-1] = False
        owner = lambda row: np.searchsorted(seqs.offsets, row, "right") - 1  # noqa: E731
        sequence = np.repeat(np.arange(len(seqs.lengths)), seqs.lengths)
    learned_steps = slice(None) if learn_from is None else learn_from[sequence]
    learned = []
    for k, j in enumerate(categorical):
        codes = values[..., j][real]
        bad = (codes < 0) | (codes != np.floor(codes)) | (codes >= MAX_CODE)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            where = np.flatnonzero(real.ravel())[row]
            raise ValueError(
                f"Categorical feature {j} holds {codes[row].item()!r} in sequence "
                f"{int(owner(where))}; categorical features need integer codes "
                f"from 0 to {MAX_CODE - 1}. Encode the categories first, e.g. "
                "with sklearn.preprocessing.OrdinalEncoder."
            )
        if categories is None:
            known = np.unique(codes[learned_steps]).astype(np.int64)
        else:
            known = categories[k]
        learned.append(known)
        column = values[..., j]
        if len(known) == known[-1] + 1:  # codes 0..n-1, as token ids: no search
            column[real] = np.where(codes < len(known), codes + 1, 0)
        else:
            index = np.searchsorted(known, codes)
            found = index < len(known)
            found[found] = known[index[found]] == codes[found]
            column[real] = np.where(found, index + 1, 0)
    return values, learned
