"""From the network's raw outputs to predictions: one owner per estimator kind.

The last layer of the network gives raw outputs: standardised values,
log-means (``loss='poisson'``), a first quantile and the pre-images of the
steps between quantiles, or logits. What ``predict`` reads of them, how the
members of an ensemble combine, what ``integrated_gradients`` explains and how
labels are read are defined here once. ``predict`` and ``predict_proba``,
:class:`~sklearn_rnn._nn._ensemble.Ensemble`, ``integrated_gradients``,
``SequenceStream`` and ``to_onnx`` (which traces these functions) ask the
estimator's map (its ``_output_map``) rather than re-deriving any of it.
"""

import math

import numpy as np
import torch
from torch import nn

from ._losses import ordered_quantiles

__all__ = ["ClassificationMap", "OutputMap", "RegressionMap", "legacy_map"]


class OutputMap:
    """What a kind of estimator reads from the network's raw outputs (a
    tensor ``(rows, n_raw)``; every method is a differentiable torch
    function of it unless said otherwise)."""

    def predict(self, raw):
        """What ``predict`` (regression) or ``predict_proba`` reads."""
        raise NotImplementedError

    def combine(self, outputs):
        """The members' raw outputs, stacked ``(n, rows, n_raw)``, as one raw
        output whose :meth:`predict` is the mean of the members' predictions
        (for classifiers: of their probabilities)."""
        raise NotImplementedError

    def explained(self, raw):
        """The quantity ``integrated_gradients`` attributes, ``(rows, k)``."""
        raise NotImplementedError


class RegressionMap(OutputMap):
    """Regression: raw outputs in the units of ``y``.

    The inverse of the loss's link (``'poisson'``: the network outputs
    log-means; several quantiles: a first quantile then softplus steps, so
    that they never cross, ``n_quantiles`` columns per target), then of the
    standardisation of ``normalize_y`` (``scale`` and ``mean`` per target).
    """

    def __init__(self, loss, n_quantiles, scale, mean):
        self.loss = loss
        self.n_quantiles = n_quantiles
        # One scale and mean per column of the raw output.
        self.scale = np.repeat(np.asarray(scale, dtype=np.float64), n_quantiles)
        self.mean = np.repeat(np.asarray(mean, dtype=np.float64), n_quantiles)

    def predict(self, raw):
        """Predictions ``(rows, n_outputs * n_quantiles)``, the quantiles of
        each target side by side, in ``raw``'s dtype."""
        values = raw.exp() if self.loss == "poisson" else raw
        values = ordered_quantiles(values, self.n_quantiles)
        scale, mean = (
            torch.as_tensor(a, dtype=raw.dtype, device=raw.device)
            for a in (self.scale, self.mean)
        )
        return values * scale + mean

    def combine(self, outputs):
        # The mean prediction, written back as a raw output: the members share
        # scale and mean, so the mean is taken before them.
        if self.loss == "poisson":  # the log of the mean rate
            return torch.logsumexp(outputs, 0) - math.log(len(outputs))
        if self.n_quantiles > 1:
            # The mean of cumulative sums is the cumulative sum of the means:
            # the mean first quantile, then the mean of each step.
            steps = outputs.unflatten(-1, (-1, self.n_quantiles))
            first = steps[..., :1].mean(0)
            rise = nn.functional.softplus(steps[..., 1:]).mean(0)
            return torch.cat([first, _softplus_inverse(rise)], -1).flatten(-2)
        return outputs.mean(0)

    def explained(self, raw):
        """The prediction, in the units of ``y`` (a Poisson rate, each
        quantile's value)."""
        return self.predict(raw)


class ClassificationMap(OutputMap):
    """Classification: logits to class probabilities and labels.

    One softmax over the classes (binary and multiclass targets), or one
    sigmoid per label (multilabel indicator targets, ``multilabel``).
    ``classes`` are the labels ``predict`` returns for the indices of the
    columns (None for a map that only combines).
    """

    def __init__(self, multilabel, classes=None):
        self.multilabel = multilabel
        self.classes = classes

    def predict(self, raw):
        if self.multilabel:
            return torch.sigmoid(raw)
        return torch.softmax(raw, dim=1)

    def log_predict(self, raw):
        """The log of :meth:`predict` (``predict_log_proba``)."""
        if self.multilabel:
            return nn.functional.logsigmoid(raw)
        return torch.log_softmax(raw, dim=1)

    def combine(self, outputs):
        # The log of the mean class probabilities (a softmax of it gives that
        # mean back), or the logit of each label's mean probability.
        if self.multilabel:
            mean = torch.sigmoid(outputs).mean(0)
            return torch.log(mean) - torch.log1p(-mean)
        return torch.log(torch.softmax(outputs, dim=-1).mean(0))

    def explained(self, raw):
        """The raw output: the logits (for an ensemble, the log of the mean
        class probabilities, or the logit of each label's mean probability)."""
        return raw

    def label_index(self, proba):
        """The labels of rows of probabilities: the index of the most probable
        class, or a 0/1 indicator per label (probability above one half).
        Python's labels and the ONNX graph's (which traces this) both come
        from here."""
        if self.multilabel:
            return (proba > 0.5).long()
        return proba.argmax(dim=1)

    def labels(self, raw):
        """``predict``'s labels (a numpy array) of raw outputs."""
        index = self.label_index(self.predict(raw.double())).cpu().numpy()
        return index if self.multilabel else self.classes[index]


def _softplus_inverse(value):
    """``log(exp(value) - 1)``, from operators that ONNX exports (it has no
    ``expm1``): below 0.1 its series ``log(v) + v / 2 + v**2 / 24`` (next
    term ``v**4 / 2880``), where the subtraction would cancel, else ``v +
    log1p(-exp(-v))``, which does not overflow (``value = 0``, a softplus
    that underflowed, gives ``-inf``)."""
    series = torch.log(value) + value / 2 + value.square() / 24
    exact = value + torch.log1p(-torch.exp(-value))
    return torch.where(value < 0.1, series, exact)


def legacy_map(link):
    """The combining rule of an ensemble pickled before output maps, from the
    name of its link: 'identity' averaged raw outputs, as it did then."""
    if link == "identity":
        return RegressionMap("squared_error", 1, [1.0], [0.0])
    return ClassificationMap(multilabel=link == "sigmoid")
