"""Warnings that point at the line of the user's code, whatever the call path."""

import os
import sys
import warnings

__all__ = ["UnscaledInputWarning", "warn_user"]

# Frames in these packages are skipped, so that a warning points at the line of
# the user's code that called into them (also through Pipeline or a search).
_INTERNAL = tuple(
    os.path.dirname(module.__file__) + os.sep
    for module in (
        sys.modules[__name__.rpartition(".")[0]],
        __import__("sklearn"),
        __import__("skorch"),
        __import__("joblib"),
    )
)


def warn_user(message, category):
    """``warnings.warn`` with the stack level of the first frame outside the
    libraries above, whatever the call path."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


class UnscaledInputWarning(UserWarning):
    """Warning that an estimator's inputs are too large for its network.

    Inputs of a typical magnitude in the hundreds or more saturate the tanh
    and sigmoid units of a recurrent network from its first step: it learns
    slowly or not at all, down to a constant prediction. Scale ``X`` first,
    e.g. with ``make_pipeline(SequenceScaler(), estimator)``; ``normalize_y``
    scales only the targets.
    """
