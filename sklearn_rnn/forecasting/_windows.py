"""Training windows and forecast inputs cut from a panel, and their scaling.

One function builds the input of every forecast, in training and in
prediction, so the two never drift apart. An input is the history before a
cut (at most ``window`` steps, at least ``min_window``) with its channels:
the series divided by its scale, the covariates, then, with future-known
covariates, ``horizon`` more steps on which the series and the past-only
covariates are 0, a flag that says which steps are history, and the
future-known covariates on every step; static features repeat on each step.
"""

import numpy as np

__all__ = ["forecast_inputs", "training_windows", "window_scale"]


def window_scale(history, scaling):
    """Each input's scale: its mean absolute value ('mean_abs'), 1 for an
    all-zero input (scikit-learn's rule for a zero scale) or ``'none'``."""
    if scaling == "none":
        return np.ones(len(history))
    scale = np.array([np.mean(np.abs(h)) for h in history])
    scale[scale < 10 * np.finfo(np.float64).eps] = 1.0
    return scale


def _one_input(panel, i, stop, spec, future):
    """The input of series ``i`` cut at step ``stop``; ``future`` holds the
    future-known covariates of the ``horizon`` steps after it, or None."""
    start = max(0, stop - spec["window"])
    parts = [panel.y[i][start:stop, None]]
    if panel.X is not None:
        parts.append(panel.X[i][start:stop])
    seq = np.concatenate(parts, axis=1)
    if future is not None:
        known = panel.X[i][start:stop][:, spec["future_covariates"]]
        seq = np.concatenate(
            [
                np.pad(seq, ((0, len(future)), (0, 0))),
                np.repeat([[1.0], [0.0]], [stop - start, len(future)], axis=0),
                np.concatenate([known, future]),
            ],
            axis=1,
        )
    if panel.static is not None:
        seq = np.concatenate([seq, np.tile(panel.static[i], (len(seq), 1))], axis=1)
    return seq


def _scaled(inputs, scale):
    for seq, s in zip(inputs, scale):
        seq[:, 0] /= s
    return inputs


def training_windows(panel, spec):
    """``(inputs, targets, scale)`` of every window the panel's series hold:
    a target of ``horizon`` steps after each cut whose history has at least
    ``min_window`` steps, every ``step`` cuts counted back from the last."""
    horizon, fut = spec["horizon"], spec["future_covariates"]
    inputs, targets = [], []
    for i, series in enumerate(panel.y):
        last = len(series) - horizon
        for stop in range(last, spec["min_window"] - 1, -spec["step"]):
            future = None if fut is None else panel.X[i][stop : stop + horizon, fut]
            inputs.append(_one_input(panel, i, stop, spec, future))
            targets.append(series[stop : stop + horizon])
    history = [seq[:, 0] for seq in _history(inputs, spec)]
    scale = window_scale(history, spec["scaling"])
    targets = np.asarray(targets) / scale[:, None]
    return _scaled(inputs, scale), targets, scale


def _history(inputs, spec):
    """The history part of each input (without the future steps)."""
    if spec["future_covariates"] is None:
        return inputs
    return [seq[: len(seq) - spec["horizon"]] for seq in inputs]


def forecast_inputs(panel, spec, X_future):
    """``(inputs, scale)`` of a forecast from the end of each series."""
    inputs = [
        _one_input(
            panel, i, len(series), spec, None if X_future is None else X_future[i]
        )
        for i, series in enumerate(panel.y)
    ]
    history = [seq[:, 0] for seq in _history(inputs, spec)]
    scale = window_scale(history, spec["scaling"])
    return _scaled(inputs, scale), scale


def as_model_input(inputs, reads_sequences, length):
    """Inputs as the estimator reads them: a list of sequences for the
    package's networks (of any lengths), else one row each, shorter ones
    first repeating their oldest step (the edge) up to the full length."""
    if reads_sequences:
        if len({len(seq) for seq in inputs}) == 1:
            return np.stack(inputs).astype(np.float32)
        return [seq.astype(np.float32) for seq in inputs]
    rows = [
        np.pad(seq, ((length - len(seq), 0), (0, 0)), mode="edge") for seq in inputs
    ]
    return np.stack(rows).reshape(len(rows), -1)
