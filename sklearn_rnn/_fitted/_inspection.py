"""Which features and which moments a fitted sequence model relies on."""

from numbers import Integral

import numpy as np
import torch
from sklearn.metrics import check_scoring
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)

from .._estimators._base import row_blocks
from .._estimators._classifier import RNNClassifier
from .._estimators._regressor import RNNRegressor
from .._input._formats import align_targets, is_long_frame, long_frame_to_list
from .._input._validation import check_sequences, is_sequence_list
from ..preprocessing import SequencePadder

__all__ = ["integrated_gradients", "sequence_permutation_importance"]


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
        Targets, as for ``estimator.score``: a pandas ``y`` indexed by the ids
        of an ``(id, time)`` DataFrame ``X`` is read in the order of ``X``'s
        sequences, and per-step targets stay with their steps (each permuted
        copy of ``X`` keeps ``X``'s form, its steps where they were).

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
    # X keeps its own form: every permutation is written back where the
    # steps were (a long frame's rows, pre-padded steps), so that the scorer
    # aligns X and y, and checks feature names, as estimator.score does.
    seqs = check_sequences(SequencePadder(), X, reset=True, allow_nan=True)
    values, lengths, real = seqs.values, seqs.lengths, seqs.mask
    steps = values[real]  # the real steps, one sequence after the other
    cell = np.full(real.shape, -1)
    cell[real] = np.arange(len(steps))  # each real (sequence, step)'s row
    y = align_targets(X, y)
    scorer = check_scoring(estimator, scoring=scoring)
    baseline = scorer(estimator, X, y)
    rng = check_random_state(random_state)
    n_features = values.shape[2]
    if by == "feature":
        groups = [(real, [j]) for j in range(n_features)]
        windows = None
    else:
        width = window or max(1, int(np.ceil(lengths.max() / 10)))
        starts = range(0, int(lengths.max()), width)
        windows = [(a, min(a + width, int(lengths.max()))) for a in starts]
        at = np.arange(values.shape[1])
        groups = [
            (real & ((at >= a) & (at < b))[None, :], list(range(n_features)))
            for a, b in windows
        ]
    importances = np.empty((len(groups), n_repeats))
    for g, (cells, features) in enumerate(groups):
        chosen = cell[cells]
        for r in range(n_repeats):
            permuted = steps.copy()
            order = rng.permutation(len(chosen))
            permuted[np.ix_(chosen, features)] = steps[np.ix_(chosen[order], features)]
            X_permuted = _in_form_of(X, seqs, permuted)
            importances[g, r] = baseline - scorer(estimator, X_permuted, y)
    result = Bunch(
        importances_mean=importances.mean(axis=1),
        importances_std=importances.std(axis=1),
        importances=importances,
    )
    if windows is not None:
        result.windows = windows
    return result


def _in_form_of(X, seqs, steps):
    """``X`` with its real steps' values replaced by ``steps`` (one row per
    real step, in the order of ``seqs.values[seqs.mask]``), in ``X``'s own
    form: an array, a list of sequences or an ``(id, time)`` frame, each step
    where it was (after any leading padding)."""
    if is_long_frame(X):
        frame = X.sort_index().copy()  # by id, then time (as long_frame_to_list)
        sequences, _ = long_frame_to_list(frame)  # in the frame's row order
        values = np.concatenate(_in_list(sequences, seqs, steps))
        for j, name in enumerate(frame.columns):
            frame[name] = values[:, j].astype(frame[name].dtype, copy=False)
        return frame
    if is_sequence_list(X):
        return _in_list(X, seqs, steps)
    rows, columns = seqs.input_positions()
    out = _float_copy(X)
    out[rows, columns] = steps[:, 0] if out.ndim == 2 else steps
    if hasattr(X, "columns"):  # a 2D DataFrame of univariate sequences
        return type(X)(out, index=X.index, columns=X.columns)
    return out


def _float_copy(x):
    """A copy of array-like ``x`` in its own float dtype (integers: float64)."""
    x = np.array(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _in_list(X, seqs, steps):
    """:func:`_in_form_of` for a list of sequences."""
    rows, columns = seqs.input_positions()
    out = [_float_copy(x) for x in X]
    for i, x in enumerate(out):
        mine = rows == i
        x.reshape(len(x), -1)[columns[mine]] = steps[mine]
    return out


@validate_params(
    {
        "estimator": [HasMethods(["predict"])],
        "X": ["array-like"],
        "target": ["array-like", Integral, None],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def integrated_gradients(estimator, X, *, target=None, n_steps=32):
    """Integrated gradients: each step's and feature's share of a prediction.

    The attribution of value ``x[t, j]`` is ``x[t, j]`` times the gradient of
    the prediction with respect to it, averaged along the straight path from
    an all-zero sequence (the mean of standardised inputs) to ``x``
    (Sundararajan et al. 2017); a sequence's attributions add up to its
    prediction minus the prediction for the zero sequence, up to the
    ``n_steps`` of the path. A regressor's prediction is explained in the
    units of ``y`` (with ``loss='poisson'`` the predicted rate, with several
    quantiles the chosen quantile's value); a classifier's in logits: the
    logit of the class (with ``n_estimators > 1``, the log of the members'
    mean probability of the class; for multilabel targets the logit of the
    label, with ``n_estimators > 1`` of the members' mean probability).

    Parameters
    ----------
    estimator : RNNRegressor or RNNClassifier
        A fitted sequence estimator. For a pipeline, pass its last step and the
        output of the steps before it.

    X : array-like or list of array-like
        Sequences in any form ``predict`` takes.

    target : int or array-like of int, default=None
        The prediction explained, for every sequence or one per sequence: for
        a regressor the column of ``predict(X)`` (None: 0), with several
        targets and several quantiles ``predict(X)[:, i, k]`` is ``i *
        n_quantiles + k`` (``target=1`` of ``quantile=[0.1, 0.5, 0.9]``: the
        median); for a classifier the index in ``classes_`` (None: each
        sequence's predicted class; multilabel: the label).

    n_steps : int, default=32
        Points of the path (the midpoint rule).

    Returns
    -------
    attributions : list of ndarray or ndarray
        One ``(length, n_features)`` array per sequence for a list ``X``, else
        an array ``(n_samples, n_timesteps, n_features)`` aligned with ``X``,
        NaN on padding. Categorical features stay at their codes along the
        path and get 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNRegressor, integrated_gradients
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 6, 2))
    >>> reg = RNNRegressor(hidden_size=8, max_iter=30, n_iter_no_change=None,
    ...                    random_state=0).fit(X, X[:, 2, 0])
    >>> attributions = integrated_gradients(reg, X[:5])
    >>> attributions.shape
    (5, 6, 2)
    """
    if not isinstance(estimator, (RNNRegressor, RNNClassifier)):
        raise TypeError(
            "integrated_gradients explains RNNRegressor and RNNClassifier; got "
            f"{type(estimator).__name__}. For a pipeline pass its last step and "
            "pipeline[:-1].transform(X)."
        )
    x, lengths, seqs = estimator._padded_input(X)
    chosen = _explained_columns(estimator, target, len(x))
    moving = torch.ones(x.shape[2], dtype=x.dtype, device=x.device)
    moving[list(estimator._categorical_)] = 0.0  # categories stay at their codes
    attributions = torch.zeros_like(x)
    for rows in row_blocks(len(x)):  # in blocks of rows, as predict runs
        mine = None if chosen is None else chosen[rows]
        attributions[rows] = _integrate(
            estimator, x[rows], lengths[rows], mine, moving, n_steps
        )
    flat = attributions.cpu().numpy()[seqs.mask].astype(np.float64)
    return seqs.like_input(flat, isinstance(X, list))


def _explained_columns(estimator, target, n_rows):
    """The column of the output map's ``explained`` read for each row; None
    for each sequence's predicted class."""
    n_columns = estimator._n_outputs()  # explained keeps the raw output's width
    if target is None:
        if isinstance(estimator, RNNClassifier) and not estimator._multilabel:
            return None
        target = 0
    chosen = np.broadcast_to(np.asarray(target), n_rows).astype(np.int64)
    if chosen.min() < 0 or chosen.max() >= n_columns:
        raise ValueError(
            f"target must index the {n_columns} columns of the prediction "
            f"explained (0 to {n_columns - 1}). Got {target!r} instead."
        )
    return torch.from_numpy(chosen.copy())


def _integrate(estimator, x, lengths, chosen, moving, n_steps):
    """The attributions ``(rows, T, d)`` of one block of rows."""
    module, output_map = estimator.module_, estimator._output_map
    if chosen is None:  # each sequence's predicted class
        with torch.no_grad():
            chosen = output_map.label_index(output_map.predict(module(x, lengths)))
    chosen = chosen.to(x.device)
    rows = torch.arange(len(x), device=x.device)
    total = torch.zeros_like(x)
    for k in range(n_steps):
        alpha = (k + 0.5) / n_steps
        point = (x * (alpha * moving + (1 - moving))).requires_grad_(True)
        with torch.enable_grad():
            explained = output_map.explained(module(point, lengths))
            (gradient,) = torch.autograd.grad(explained[rows, chosen].sum(), point)
        total += gradient
    return (x * moving * total / n_steps).detach()
