"""Which features and which moments a fitted sequence model relies on."""

from numbers import Integral

import numpy as np
from sklearn.metrics import check_scoring
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)

from ._validation import check_sequences
from .preprocessing import SequencePadder

__all__ = ["sequence_permutation_importance"]


@validate_params(
    {
        "estimator": [HasMethods(["fit"])],
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like", None],
        "by": [StrOptions({"feature", "step"})],
        "window": [Interval(Integral, 1, None, closed="left"), None],
        "scoring": [str, callable, None],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def sequence_permutation_importance(
    estimator,
    X,
    y,
    *,
    by="feature",
    window=None,
    scoring=None,
    n_repeats=5,
    random_state=None,
):
    """Permutation importance of the features or the windows of steps of sequences.

    scikit-learn's ``permutation_importance`` permutes the columns of 2D
    input. Here a feature is permuted across all real steps of all sequences
    (``by='feature'``), or all features are permuted across the real steps of a
    window of positions (``by='step'``: steps ``0..window-1`` of every
    sequence, then the next ``window``...): the drop of the score is how much
    the model relies on that feature, or on that stretch of time. Padding is
    never permuted and lengths never change.

    Parameters
    ----------
    estimator : estimator object
        A fitted estimator (or pipeline) that takes sequences.

    X : array-like or list of array-like
        Sequences in any form of the data contract.

    y : array-like or None
        Targets, as for ``estimator.score``.

    by : {'feature', 'step'}, default='feature'
        What is permuted: one feature over all real steps, or every feature
        over a window of steps.

    window : int, default=None
        The number of steps of each window with ``by='step'``; None: about a
        tenth of the longest sequence.

    scoring : str, callable or None, default=None
        As in ``permutation_importance``; None: ``estimator.score``.

    n_repeats : int, default=5
        Number of permutations of each feature or window.

    random_state : int, RandomState instance or None, default=None
        Seeds the permutations.

    Returns
    -------
    result : Bunch
        ``importances_mean`` and ``importances_std`` of shape
        ``(n_features,)`` or ``(n_windows,)``, ``importances`` with a column
        per repeat, as ``permutation_importance`` returns; with
        ``by='step'`` also ``windows``, the ``(start, stop)`` steps of each.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNRegressor, sequence_permutation_importance
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 10, 2))
    >>> y = X[:, :, 0].mean(axis=1)  # the second feature is noise
    >>> reg = RNNRegressor(hidden_size=16, max_iter=60, n_iter_no_change=None,
    ...                    random_state=0).fit(X, y)
    >>> result = sequence_permutation_importance(reg, X, y, random_state=0)
    >>> bool(result.importances_mean[0] > 10 * abs(result.importances_mean[1]))
    True
    """
    # One NaN-padded 3D array (post-padded), whatever the form of X: the
    # permutations write into copies of it.
    padder = SequencePadder().fit(X)
    seqs = check_sequences(padder, padder.transform(X), reset=False, allow_nan=True)
    values, lengths, real = seqs.values, seqs.lengths, seqs.mask
    scorer = check_scoring(estimator, scoring=scoring)
    baseline = scorer(estimator, values, y)
    rng = check_random_state(random_state)
    n_features = values.shape[2]
    if by == "feature":
        groups = [(real, [j]) for j in range(n_features)]
        windows = None
    else:
        width = window or max(1, int(np.ceil(lengths.max() / 10)))
        starts = range(0, int(lengths.max()), width)
        windows = [(a, min(a + width, int(lengths.max()))) for a in starts]
        steps = np.arange(values.shape[1])
        groups = [
            (real & ((steps >= a) & (steps < b))[None, :], list(range(n_features)))
            for a, b in windows
        ]
    importances = np.empty((len(groups), n_repeats))
    for g, (cells, features) in enumerate(groups):
        rows, columns = np.nonzero(cells)
        for r in range(n_repeats):
            permuted = values.copy()
            order = rng.permutation(len(rows))
            for j in features:
                permuted[rows, columns, j] = values[rows[order], columns[order], j]
            importances[g, r] = baseline - scorer(estimator, permuted, y)
    result = Bunch(
        importances_mean=importances.mean(axis=1),
        importances_std=importances.std(axis=1),
        importances=importances,
    )
    if windows is not None:
        result.windows = windows
    return result
