"""Regression: what it adds to the base estimator (``BaseRNNRegressor``), and
``RNNRegressor``, one prediction per sequence."""

from numbers import Real

import numpy as np
import torch
from sklearn.base import RegressorMixin, _fit_context
from sklearn.linear_model import RidgeCV
from sklearn.metrics import d2_pinball_score, r2_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_consistent_length

from .._nn._losses import regression_criterion
from .._nn._network import last_window
from .._nn._output_map import RegressionMap
from .._training._data import PREDICT_BATCH_SIZE, predict_batches
from ._base import SEQUENCE_OUTPUT_CONSTRAINTS, BaseRNN
from ._targets import SEQUENCE

__all__ = ["BaseRNNRegressor", "RNNRegressor"]


class BaseRNNRegressor(RegressorMixin, BaseRNN):
    """What regression adds to :class:`BaseRNN` in both target layouts: the
    losses, ``normalize_y``, predictions in the units of ``y``, R²."""

    _parameter_constraints: dict = {
        "loss": [
            StrOptions(
                {"squared_error", "absolute_error", "huber", "poisson", "quantile"}
            )
        ],
        "quantile": [Interval(Real, 0, 1, closed="neither"), "array-like", None],
        "normalize_y": ["boolean"],
    }

    def predict(self, X):
        """See :class:`RNNRegressor` and :class:`RNNTimestepRegressor`."""
        return self._predict(X, self._to_targets)

    def score(self, X, y, sample_weight=None):
        """See :class:`RNNRegressor` and :class:`RNNTimestepRegressor`."""
        metric = r2_score if self._n_quantiles() == 1 else self._d2_pinball
        return self._targets.score(self, X, y, sample_weight, metric, self._to_targets)

    @property
    def _output_map(self):
        """The map from raw network outputs to predictions (and how members
        of an ensemble combine): see :class:`RegressionMap`."""
        return RegressionMap(
            self.loss, self._n_quantiles(), self._y_scale, self._y_mean
        )

    def _to_targets(self, out):
        """Raw network outputs (a tensor) as predictions in the units of y:
        ``(n, n_outputs_)`` (``(n,)`` for a 1D ``y``), and with several
        quantiles ``(n, n_outputs_, n_quantiles)`` (``(n, n_quantiles)``)."""
        n_quantiles = self._n_quantiles()
        flat = self._output_map.predict(out.double()).cpu().numpy()
        if n_quantiles > 1:
            flat = flat.reshape(len(flat), -1, n_quantiles)
        return flat[:, 0] if self._y_1d else flat

    def _n_quantiles(self):
        """How many quantiles each target has: 1 but for a list of them."""
        if self.loss != "quantile" or np.ndim(self.quantile) == 0:
            return 1
        return len(self.quantile)

    def _d2_pinball(self, y_true, y_pred, sample_weight=None):
        """The score of several quantiles: the mean over them of the fraction
        of pinball loss explained (``d2_pinball_score``, 1 at best, as R²)."""
        y_true = np.asarray(y_true, dtype=np.float64)
        return float(
            np.mean(
                [
                    d2_pinball_score(
                        y_true, y_pred[..., j], sample_weight=sample_weight, alpha=q
                    )
                    for j, q in enumerate(self.quantile)
                ]
            )
        )

    def _validate_targets(self, y, seqs, *, first, incremental, classes, sample_weight):
        y = check_array(
            y, ensure_2d=False, dtype="numeric", input_name="y", estimator=self
        )
        if y.ndim > 2:
            raise ValueError(
                f"y must be 1D (n_samples,) or 2D (n_samples, n_outputs). Got an "
                f"array with {y.ndim} dimensions instead."
            )
        y_2d = y.reshape(len(y), -1).astype(np.float64)
        check_consistent_length(y_2d, sample_weight)  # before weighting by it
        self._check_loss(y_2d)
        if not first:
            if y_2d.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y has {y_2d.shape[1]} outputs, but {type(self).__name__} was "
                    f"fitted with {self.n_outputs_}."
                )
            mean, scale = self._y_mean, self._y_scale
        elif self.normalize_y:  # weighted: a weight-0 target is not there
            mean = np.average(y_2d, axis=0, weights=sample_weight)
            if self.loss == "poisson":
                # Dividing by the mean keeps the targets non-negative.
                mean, scale = np.zeros_like(mean), mean
                scale[scale <= 0] = 1.0
            else:
                variance = np.average((y_2d - mean) ** 2, axis=0, weights=sample_weight)
                scale = np.sqrt(variance)
                scale[scale < 10 * np.finfo(np.float64).eps] = 1.0
        else:
            mean, scale = np.zeros(y_2d.shape[1]), np.ones(y_2d.shape[1])
        attributes = {
            "_y_1d": y.ndim == 1,
            "n_outputs_": y_2d.shape[1],
            "_y_mean": mean,
            "_y_scale": scale,
        }
        target = ((y_2d - mean) / scale).astype(np.float32)
        return target, None, attributes

    def _n_outputs(self):
        return self.n_outputs_ * self._n_quantiles()

    def _check_loss(self, y):
        if self.loss == "quantile" and self.quantile is None:
            raise ValueError(
                "loss='quantile' needs the quantile to predict: set quantile to a "
                "float in (0, 1), e.g. quantile=0.9, or to several, e.g. "
                "quantile=[0.1, 0.5, 0.9]."
            )
        if np.ndim(self.quantile) > 0:
            levels = np.asarray(self.quantile, dtype=np.float64)
            if not (
                levels.ndim == 1
                and len(levels) >= 1
                and np.all((levels > 0) & (levels < 1))
                and np.all(np.diff(levels) > 0)
            ):
                raise ValueError(
                    "quantile must be a float in (0, 1) or a list of increasing "
                    f"floats in (0, 1), e.g. [0.1, 0.5, 0.9]. Got {self.quantile!r} "
                    "instead."
                )
        if self.loss == "poisson" and (np.any(y < 0) or not np.all(y.sum(0) > 0)):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson "
                "regression, or y sums to zero: loss='poisson' needs non-negative "
                "targets with a positive sum."
            )

    def _criterion(self):
        return regression_criterion(self.loss, self.quantile)

    def _validation_score(self, y_pred, y_true, weight):
        if self.loss == "squared_error":  # R², as MLPRegressor
            return r2_score(
                y_true.numpy(), y_pred.numpy(), sample_weight=weight.numpy()
            )
        # Other losses: the validation loss itself (negated: higher is better).
        losses = self._criterion()(y_pred, y_true).mean(dim=1).double()
        return float(-(losses * weight).sum() / weight.sum())

    def _stratify_validation(self, target):
        return False

    def _shrinkage_on(self, module, train, valid, whole, device):
        """How far the held-out data follow the network away from the
        training mean, and how much a linear model of the last input steps
        adds to it. Returns ``(network_share, center, linear)`` per output,
        or None for losses other than the squared error (their outputs are
        not the predictions as such).

        The linear model is ridge regression (``RidgeCV``) on the last
        ``linear_steps_`` input steps of ``train``. The blend
        ``lam * network + (1 - lam) * linear`` takes the ``lam`` of
        ``LINEAR_BLEND_GRID`` that the held-out data fit best at its share:
        the least-squares weight of ``center + share * (blend - center)`` on
        ``valid``, less ``SHRINKAGE_STANDARD_ERRORS`` of its standard
        errors, within [0, 1]. The held-out targets are clipped at 5 robust
        deviations, so that a few extreme values cannot set it. The linear
        model is then refitted on ``whole``. ``linear`` is None where there
        is none: categorical inputs, a ``highway`` of the user's own, or
        inputs whose level is far from 0 (see ``_centered``).
        """
        if self.loss != "squared_error":
            return None
        center = _weighted_mean(*whole.target_rows())
        pred = predict_batches(module, valid, device).double() - center
        true, weight = valid.target_rows()
        true = true.detach().cpu().double() - center
        mad = (true - true.median(0).values).abs().median(0).values * 1.4826
        reach = 5 * torch.where(mad > 0, mad, true.std(0, correction=0))
        true = torch.maximum(torch.minimum(true, reach), -reach)
        weight = _column(weight, len(true))
        steps = self._linear_steps(whole)
        windows = _windows(train, steps, device) if steps else None
        if steps and not _centered(windows, train.lengths_np, self.n_channels_in_):
            steps = 0
        candidates = [pred]
        if steps:
            ridge = _ridge(train, steps, windows)
            along = torch.from_numpy(ridge.predict(_windows(valid, steps, device)))
            along = along.reshape(pred.shape) - center
            candidates = [lam * pred + (1 - lam) * along for lam in LINEAR_BLEND_GRID]
        # Each candidate at the share it would get; the best fit wins (the
        # first of equals: the network alone before any blend).
        shares = torch.stack([_share(c, true, weight) for c in candidates])
        misfits = torch.stack(
            [
                (weight * (true - share * c) ** 2).sum(0)
                for share, c in zip(shares, candidates)
            ]
        )
        best = misfits.argmin(0)
        share = shares.gather(0, best[None])[0]
        if not steps:
            return share, center, None
        lam = torch.as_tensor(LINEAR_BLEND_GRID, dtype=torch.float64)[best]
        if not (share * (1 - lam)).any():  # the held-out data chose no ridge
            return share * lam, center, None
        ridge = _ridge(whole, steps, _windows(whole, steps, "cpu"))
        n_out = len(center)
        coef = torch.from_numpy(ridge.coef_).reshape(n_out, -1, steps)
        intercept = torch.from_numpy(np.atleast_1d(ridge.intercept_))
        return share * lam, center, (coef, intercept, share * (1 - lam))

    def _linear_steps(self, whole):
        """How many of the last input steps the linear blend reads: the
        median training length, at most ``LINEAR_MAX_FEATURES`` values in
        all, at least the last step; 0 for no blend."""
        if self.highway or self._categorical_:
            return 0
        steps = int(np.median(whole.lengths_np))
        return max(1, min(steps, LINEAR_MAX_FEATURES // self.n_channels_in_))


def _windows(data, steps, device):
    """The last ``steps`` input steps of every sequence of ``data``, as the
    highway reads them, float64 on the CPU, in sample order."""
    parts = []
    for start in range(0, len(data), PREDICT_BATCH_SIZE):  # a batch's padding at most
        index = np.arange(start, min(start + PREDICT_BATCH_SIZE, len(data)))
        X, _ = data.batch(index, device)
        parts.append(last_window(X["x"], X["lengths"], steps).detach().cpu())
    return torch.cat(parts).double().numpy()


def _centered(windows, lengths, channels):
    """Whether 0, what the highway reads before a sequence's start, is a
    typical value of every input channel: within one standard deviation of
    its mean over the real steps of ``windows`` (the inputs of a
    ``SequenceScaler``; raw levels are not, and there a sequence shorter than
    the steps read would get far-off predictions)."""
    windows = windows.reshape(len(windows), channels, -1)
    steps = windows.shape[2]
    real = np.arange(steps) >= steps - np.asarray(lengths)[:, None]  # (n, steps)
    values = windows.transpose(1, 0, 2)[:, real]  # (channels, real steps)
    return bool((np.abs(values.mean(1)) <= values.std(1)).all())


def _ridge(data, steps, windows):
    """``RidgeCV`` (efficient leave-one-out over ``RIDGE_ALPHAS``) of the
    targets of ``data`` on its last ``steps`` input steps, ``windows``."""
    target, weight = data.target_rows()
    target = target.detach().cpu().double().numpy()
    multi = target.shape[1] > 1
    ridge = RidgeCV(alphas=RIDGE_ALPHAS, alpha_per_target=multi)
    weight = None if weight is None else weight.detach().cpu().double().numpy()
    return ridge.fit(windows, target, sample_weight=weight)


def _share(pred, true, weight):
    """Per output: the weighted least-squares share of ``true ~ share *
    pred``, less ``SHRINKAGE_STANDARD_ERRORS`` of its standard errors, within
    [0, 1].

    The standard error: with weights, sigma^2 sum(w^2 x^2) / sum(w x^2)^2,
    sigma^2 the weighted mean squared residual over Kish's effective count
    less one (weights of 0, of sequences that count for nothing, change none
    of it). No spread at all (every prediction at the center) keeps none."""
    along = (weight * pred * true).sum(0)
    spread = (weight * pred * pred).sum(0)
    share = along / spread.clamp(min=1e-300)
    effective = weight.sum() ** 2 / (weight**2).sum()
    residual = (weight * (true - share * pred) ** 2).sum(0) / weight.sum()
    sigma2 = residual * effective / (effective - 1).clamp(min=1.0)
    leverage = (weight**2 * pred * pred).sum(0)
    error = torch.sqrt(sigma2 * leverage / spread.clamp(min=1e-300) ** 2)
    share = (share - SHRINKAGE_STANDARD_ERRORS * error).clamp(0.0, 1.0)
    return torch.where(spread > 0, share, 0.0)


# How many standard errors of the least-squares share the shrinkage takes off:
# on the low-signal suite, 1 left one task of ten worse than the mean (by 0.2%)
# where 0 left three, at the same mean ratio on both halves (0.955, 0.948); 2
# left none, but gave up 4% on the task with the most signal.
SHRINKAGE_STANDARD_ERRORS = 1.0
# The linear blend: the network's share of it, tried on the held-out data; at
# most this many input values (steps times channels) in the linear model; its
# ridge penalties.
LINEAR_BLEND_GRID = tuple(i / 10 for i in range(10, -1, -1))
LINEAR_MAX_FEATURES = 256
RIDGE_ALPHAS = tuple(10.0**i for i in range(-3, 6))


def _column(weight, n):
    """Sample weights as a column (ones when there are none)."""
    if weight is None:
        return torch.ones(n, 1, dtype=torch.float64)
    return weight.detach().cpu().double().reshape(n, 1)


def _weighted_mean(y, weight):
    y = y.detach().cpu().double()
    weight = _column(weight, len(y))
    return (weight * y).sum(0) / weight.sum()


class RNNRegressor(BaseRNNRegressor):
    """Recurrent neural network regressor (LSTM, GRU or Elman RNN).

    Pools the outputs of the recurrence over each sequence's real steps and
    maps them to one or several continuous targets with a linear layer,
    trained with Adam on the loss chosen by ``loss``.

    Parameters
    ----------
    cell : {'lstm', 'gru', 'rnn'}, default='gru'
        The recurrent cell: long short-term memory, gated recurrent unit, or the
        Elman recurrence ``h_t = f(W_hh h_{t-1} + W_xh x_t + b_h)``. 'gru':
        it learned where an LSTM at the same settings did not (see the user
        guide's "Why the defaults").

    hidden_size : int, default=64
        Number of hidden units in each recurrent layer (and direction). Choose
        it by cross-validation, e.g. with ``GridSearchCV``.

    num_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=False
        Whether each layer also reads the sequences backwards. The backward
        direction reverses each sequence within its own length, so padding
        never reaches it.
        False keeps the per-step estimators causal; on the classification
        sets, reading both ways lost 0.11 on PigCVP and gained at most 0.03
        elsewhere, at 1.7-1.9 times the fit (see "Why the defaults").

    dropout : float, default=0.0
        Dropout probability between layers and before the output layer.

    activation : {'tanh', 'relu', 'sigmoid', 'identity'}, default='tanh'
        Activation of the recurrence: for 'rnn' the ``f`` above; for 'lstm' and
        'gru', as in Keras, the activation of the candidate state (and of the
        LSTM cell output), the gates staying sigmoid. 'tanh' (and 'relu' for
        'rnn') runs on PyTorch's fused kernels; an LSTM with another activation
        on sklearn-rnn's C++ kernel, compiled on first use (about 10 s, once per
        machine); GRU and Elman cells with others step through time in Python,
        which is slower. 'tanh': the fused kernels, and the standard choice.

    pooling : {'last', 'mean', 'max', 'attention'}, default='max'
        How the outputs of the recurrence over time become one vector per
        sequence, always over its real steps only: the output at the last
        step ('last'; for a bidirectional network, the backward direction's
        output at the first step), the mean or the maximum over the steps, or
        a learned softmax-weighted sum ('attention'). 'max': as good as 'last'
        on short series, far better on long ones (see "Why the defaults").

    conv_filters : int, tuple of int or 'auto', default='auto'
        Number of filters of each causal 1D convolution run before the
        recurrence (one layer per entry, ReLU after each; 0 or ``()`` for
        none), as in DeepConvLSTM and LSTM-FCN. Each output step sees only the
        current and earlier steps, so padding still never changes a
        prediction. 'auto' takes ``(64, 64)`` when the median training
        sequence has more than 64 steps (the convolutions then shorten it to
        about 64, see ``downsample``) and none otherwise; ``conv_filters_``
        records the choice. 'auto': on Tecator (100 steps) ``(64, 64)`` took
        the RMSE from 2.1-11.7 to 0.7-1.4, on the generated regression,
        forecasting and adding tasks (10-30 steps) it did worse (see "Why the
        defaults"); a parameter for ``GridSearchCV``.

    conv_kernel_size : int, default=8
        Number of timesteps each convolution reads (8: the first layer of the
        fully convolutional network of Wang et al. 2017).

    conv_layout : {'serial', 'parallel'}, default='serial'
        Where the convolutions of ``conv_filters`` run: 'serial' before the
        recurrence, which reads their outputs; 'parallel' beside it, on the
        input at full resolution, their outputs (averaged over the real steps,
        or per step for the per-step estimators) joined to the recurrence's
        before the output layer, as in LSTM-FCN. 'serial': neither layout wins
        on every benchmark set, so both are a parameter to search.

    conv_norm : {'batch'} or None, default='batch'
        Normalisation after each convolution of ``conv_filters``, before its
        ReLU: 'batch' standardises each filter's output by the mean and
        variance of the batch's real steps in training (padding changes
        neither) and by their running averages in prediction, as the fully
        convolutional network's batch normalisation; None for none. 'batch':
        better with the serial layout on every set measured (Tecator's RMSE
        5.0 to 0.8); with ``conv_layout='parallel'`` None did better.

    highway : int, default=0
        Number of last input steps a linear map adds to the output, beside the
        network (LSTNet's autoregressive "highway"; 0 for none): for targets
        that are nearly linear in the recent input. Causal, read at the last
        real step (per step: at every step), so padding never changes a
        prediction. Off by default: it is a lever to search (see "Why the
        defaults").

    n_estimators : int, default=1
        Number of networks trained side by side in one fit, each from its own
        initialisation, on the same batches and each on its own loss; their
        predictions are averaged (class probabilities for classifiers), as
        InceptionTime averages five. Reproducible with ``random_state``.
        Stopping on the training loss, each network stops when its own loss
        has not improved for ``n_iter_no_change`` epochs, as it would alone,
        and trains no more (``n_iter_`` counts the epochs until the last
        stops; the epoch table's ``members``, how many trained); stopping on a
        validation score (``early_stopping``), the ensemble stops as one, on
        its averaged prediction. 1: a single network, the fastest (see "Why
        the defaults").

    downsample : int or 'auto', default='auto'
        The recurrence reads one step for every ``downsample`` input steps,
        ``ceil(length / downsample)`` steps in all: the mean of each block of
        ``downsample`` steps, which the convolutions, when there are any, read
        at stride 1 (blocks wider than ``conv_kernel_size`` are read by a first
        convolution at this stride instead, which weighs each of their steps).
        Causal as the convolutions. 'auto' takes
        ``ceil(median training length / 256)`` without convolutions (sequences
        of up to 256 steps are read as they are; longer ones shrink to about
        256 steps, with a ``UserWarning`` that says so) and
        ``ceil(median / 64)`` with them: the shortest reading that did not lose
        accuracy. Block means under the convolutions, rather than a first
        convolution at the stride for every block width (before 0.3), took
        ArrowHead from 0.79 to 0.82 on average and lost on ACSF1 and PigCVP,
        whose blocks are 23 and 32 steps wide (see "Why the defaults"). With
        ``conv_layout='parallel'`` the recurrence reads block means while the
        convolutions beside it read every step.

    conv_pool : int, default=1
        Max pooling between the convolutions before the recurrence and the
        recurrence: the convolutions read blocks of ``downsample / conv_pool``
        steps and the recurrence the maximum of each ``conv_pool`` consecutive
        outputs of the last one, as FCN-style networks pool their feature
        maps. ``downsample`` must be a multiple of it (``downsample='auto'``
        picks one: with ``conv_pool=2`` the convolutions read about 128
        steps where the recurrence reads 64). No effect without
        ``conv_filters`` or with ``conv_layout='parallel'``. 1: over three
        seeds ``conv_pool=2`` won on ACSF1 (+0.12), OSULeaf (+0.03), PLAID
        (+0.01) and Tecator, and lost on PigCVP (-0.09) and ArrowHead (-0.05,
        below 1-NN) (see "Why the defaults"): a parameter for ``GridSearchCV``,
        the one the benchmark's grid searches.

    categorical_features : array-like of int, bool or str, default=None
        The per-step features that hold integer category codes (token ids,
        product codes...): their indices, a boolean mask over the features,
        or the column names of a DataFrame ``X``; the name and meaning of
        ``HistGradientBoostingClassifier``'s parameter. Each is embedded (see
        ``embedding_dim``) and concatenated with the numeric features before
        the recurrence. Codes must be integers from 0 to 2**24 - 1 (negative
        or fractional ones are a ``ValueError``); ``fit`` learns the codes it
        sees (``categories_``), and a code unseen in training maps to a fixed
        zero vector, the "unknown" category. NaN still means padding.

    embedding_dim : int or 'auto', default='auto'
        Width of each categorical feature's embedding. 'auto' takes
        ``min(8, round(1.6 * n ** 0.56))`` for ``n`` categories (5 categories:
        4 dimensions, 10: 6, 18 and more: 8): fast.ai's rule of thumb, capped
        at 8 because recurrent models see few sequences and wider embeddings
        overfitted them (see "Why the defaults").

    alpha : float, default=1e-4
        Strength of the L2 penalty: each training batch adds
        ``alpha / (2 * n) * ||W||^2`` to its loss, ``n`` being the number of
        sequences in that batch (batches are of near-equal size, at most
        ``batch_size``: 36 sequences at 32 train as two batches of 18), and
        ``W`` all weight matrices (not the biases), as in ``MLPRegressor``.
        The penalty is part of ``loss_curve_``. The data
        loss itself is the plain mean squared error (``MLPRegressor`` halves
        it) or the cross-entropy.

    batch_size : int or 'auto', default='auto'
        Size of the minibatches. 'auto': 16 when ``fit`` (or a call of
        ``partial_fit``) trains on fewer than 1,000 sequences, 32 from 1,000 on
        (where ``early_stopping='auto'`` holds out a validation split); why: on
        the named sets, all under 1,000 training series, batches of 16 scored
        higher than 32 on every set not already perfect over five seeds
        (ItalyPowerDemand 0.953 to 0.961; see "Why the defaults"), and from
        1,000 on, an epoch of batches of 32 costs fewer steps. An epoch's
        ``n`` sequences form ``ceil(n / batch_size)`` batches whose sizes
        differ by at most one (36 sequences: two of 18, not 32 and 4), so that
        no batch's statistics and step come from a handful of sequences; why:
        on the small named sets it cut the spread over seeds (see "Why the
        defaults"). Sequences of similar length are batched together when
        shuffling, so each batch is padded only to its own longest sequence.

    learning_rate : {'constant', 'adaptive'}, default='constant'
        Learning-rate schedule: 'constant' keeps ``learning_rate_init``;
        'adaptive' divides it by 5 each time the monitored loss (or validation
        score) has not improved by ``tol`` for ``n_iter_no_change // 2``
        epochs.

    learning_rate_init : float, default=3e-3
        Initial learning rate of the Adam optimizer. 3e-3 rather than Adam's
        usual 1e-3: small data sets get only a few hundred steps, which 1e-3
        did not use up, and 1e-2 was no better (see "Why the defaults").

    max_iter : int, default=300
        Maximum number of epochs. Training usually stops earlier (see
        ``n_iter_no_change``). 300: small data sets kept improving past 100
        epochs (see "Why the defaults").

    shuffle : bool, default=True
        Whether to shuffle the samples in each epoch (in pools of similar
        length, see ``batch_size``). With ``False`` the batches follow the
        order of ``X``.

    early_stopping : 'auto' or bool, default='auto'
        Whether to set aside ``validation_fraction`` of the training data and
        stop when the validation score has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, restoring the best weights (the score: R²
        for the squared error, else the validation loss). Without it, training
        stops when the training loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs. 'auto' (with ``n_iter_no_change`` not
        None) enables it from 1,000 sequences (a validation split of 100 or
        more), as ``HistGradientBoostingRegressor`` does from 10,000 rows.
        Below 1,000 (from 50 sequences of positive weight) it holds out at
        least 20% as well and, for the squared error, shrinks the predictions
        toward the training mean by the share the held-out predictions
        support, less one standard error of it (``shrinkage_``): on small,
        noisy data the network otherwise fits the noise and predicts worse
        than the mean (the benchmarks README's low-signal suite; the standard
        error took the tasks worse than the mean from 3 to 1). The network is
        blended there with a ridge regression on the last input steps, by the
        share the held-out predictions choose (``linear_share_``; not with
        categorical features, a ``highway`` of its own, or inputs whose level
        is far from 0): it beat the shrinkage alone on both halves of the
        suite.
        ``early_stopping_`` records what it did. As in ``MLPRegressor``, it
        does not apply to ``partial_fit``.

    validation_fraction : float, default=0.1
        Share of the training data set aside when ``early_stopping=True``.

    n_iter_no_change : int or None, default=30
        Epochs without improvement before training stops. 30 rather than
        MLP's 10: minibatch losses of small data sets are noisy, and 10 epochs
        stopped training before it had learned. None never stops early and
        warns of nothing: exactly ``max_iter`` epochs, as Keras'
        ``fit(epochs=...)``; with ``early_stopping`` the validation score is
        then recorded each epoch, as with Keras' ``validation_split``.

    tol : float, default=1e-4
        Minimum improvement of the monitored loss or score.

    clip_grad_norm : float, default=None
        If set, the gradient norm is clipped to this value in every step.

    average_decay : float in [0, 1), default=0.9
        The fit ends with an average of the weights over its epochs, each
        epoch weighted by ``average_decay ** age`` (0 for the last epoch): the
        exponential moving average of Polyak averaging and Keras' ``use_ema``,
        with no extra weight on the first epoch, so that a short fit is not
        pulled back to its start. Batch normalisation's running statistics
        are averaged too. 0 keeps the last epoch's weights. Not used when
        ``early_stopping`` reads a validation split (its best epoch's weights
        are kept) nor in ``partial_fit``.
        0.9 (about the last 10 epochs): at the plain defaults (seeds 0-2)
        it lifted ACSF1 by 0.033 and PLAID by 0.015, moved the other
        classification sets by at most 0.005 and Tecator's RMSE by 0.02,
        for 0.5 ms an epoch (see "Why the defaults").

    weight_init : {'torch', 'keras'}, default='torch'
        How the recurrent layers and linear maps start: PyTorch's uniform
        initialisation, or Keras' (Glorot-uniform input weights, orthogonal
        recurrent weights, zero biases, and a forget-gate bias of 1 in an
        LSTM) to reproduce a Keras model. 'torch': at the defaults neither won
        (see "Why the defaults").

    warm_start : bool, default=False
        Whether ``fit`` continues from the weights of the previous fit. The
        other parameters, as set now, apply to the new fit (a new optimizer
        with ``learning_rate_init``, new callbacks, ``early_stopping``...);
        the architecture (``cell``, ``hidden_size``, ``num_layers``,
        ``bidirectional``, ``activation``, ``pooling``, ``conv_filters``,
        ``conv_kernel_size``, ``conv_layout``, ``conv_norm``, ``highway``,
        ``n_estimators``, ``downsample``, ``conv_pool``,
        ``categorical_features``, ``embedding_dim``) cannot change.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling and the validation
        split. The same integer gives the same predictions, run after run.

    verbose : int, default=0
        If positive, print one line per epoch (epoch, training loss, validation
        score when early stopping, duration); plain text unless the output is
        a terminal.

    device : {'cpu', 'cuda', 'auto'} or str or torch.device, default='cpu'
        Where the network is trained and run; 'auto' takes a GPU when available.

    n_threads : int or 'auto', default='auto'
        The number of torch intra-op threads during ``fit``, ``partial_fit``
        and prediction on the CPU; the caller's own setting is restored
        afterwards. 'auto' takes one thread per half million multiply-adds
        of a recurrent step, at most the cores that other processes leave
        idle and at most torch's current setting: a second thread slows small
        models and any model on a busy machine (see "Why the defaults"). The
        thread count never changes a prediction.

    callbacks : list of skorch callbacks, default=None
        Extra :mod:`skorch.callbacks` (e.g. ``Checkpoint``, ``LRScheduler``,
        ``ProgressBar``), or ``(name, callback)`` tuples, for power users.

    loss : {'squared_error', 'absolute_error', 'huber', 'poisson', \
'quantile'}, default='squared_error'
        The training loss, named as in ``HistGradientBoostingRegressor``:
        the mean squared error; the mean absolute error (predicts the
        conditional median, robust to outlying targets); the Huber loss (with
        ``HuberRegressor``'s 1.35, in units of standardised targets); the
        Poisson deviance with a log link (predictions are positive; ``y`` must
        be non-negative with a positive sum); the pinball loss of ``quantile``
        (predicts that conditional quantile: two models make a prediction
        band).

    quantile : float or array-like of float, default=None
        The quantile to predict with ``loss='quantile'``, in (0, 1), or several
        increasing ones (e.g. ``[0.1, 0.5, 0.9]``) predicted by one network
        that never lets them cross: each is the one before plus a positive
        step. Several quantiles add a last axis to the predictions, and
        ``score`` is then the mean of ``d2_pinball_score`` over them.

    normalize_y : bool, default=True
        Whether to standardise each target (remove its training mean, divide
        by its standard deviation) for training; predictions are mapped back
        to the original units. The meaning of ``GaussianProcessRegressor``'s
        parameter of the same name. True: without it a network predicted the
        training mean of targets of large scale (see "Why the defaults").

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during ``fit``: the number of columns of a 2D
        ``X`` (its timesteps, as scikit-learn's conventions demand for 2D
        input), otherwise the number of features per timestep.

    n_channels_in_ : int
        Number of features per timestep (1 for 2D input).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a 2D DataFrame with string column names.

    n_outputs_ : int
        Number of outputs of the network.

    n_iter_ : int
        Number of epochs run (over all ``fit`` calls with ``warm_start``, and
        ``partial_fit`` calls).

    loss_curve_ : list of float
        Training loss (penalty included) after each epoch.

    validation_scores_ : list of float or None
        Validation score after each epoch; None without ``early_stopping``.

    best_validation_score_ : float or None
        Best validation score, whose weights are the ones kept; None without
        ``early_stopping``.

    early_stopping_ : {'held_out', 'off'}
        What ``early_stopping`` did in the last ``fit``: stopped on a
        validation split and kept the model trained on the rest ('held_out'),
        or trained on all the data ('off'; ``partial_fit`` included).

    batch_size_ : int
        The batch size of the last ``fit`` or ``partial_fit`` call:
        ``batch_size``, or what 'auto' chose from its number of sequences.

    shrinkage_ : ndarray of shape (`n_outputs_`,) or None
        The share of each output's deviation from the training mean that the
        predictions keep (1: none shrunk), chosen on the held-out data when
        ``early_stopping='auto'`` held data out of fewer than 1,000 sequences
        and the loss is the squared error; None otherwise.

    linear_share_ : ndarray of shape (`n_outputs_`,) or None
        The share of each output's deviation from the training mean that the
        predictions take from the ridge regression on the last
        ``linear_steps_`` input steps (0: none), chosen with ``shrinkage_``;
        None where ``shrinkage_`` is.

    linear_steps_ : int
        How many of the last input steps the blended ridge regression reads
        (the median training length, at most 256 values in all, at least the
        last step; zeros before a shorter sequence's start), held by
        ``module_``'s highway; 0 without a blend.

    conv_filters_ : tuple of int
        The filters of each convolution the network has (``()`` for none):
        ``conv_filters`` as a tuple, or what 'auto' chose.

    downsample_ : int
        The downsampling factor used (``downsample``, resolved when 'auto').

    is_categorical_ : ndarray of shape (`n_channels_in_`,) or None
        Boolean mask of the categorical features, None without any.

    categories_ : list of ndarray
        The codes seen in ``fit`` for each categorical feature, sorted (only
        with ``categorical_features``).

    module_ : torch.nn.Module
        The trained network, called as ``module_(x, lengths)`` on a
        zero-padded float tensor ``(batch, time, n_channels_in_)`` and the
        int64 length of each sequence. It returns raw outputs: the logits of
        a classifier, the standardised targets of a regressor with
        ``normalize_y=True``.

    history_ : skorch.history.History
        The skorch history of all epochs (``history_[:, 'train_loss']``).

    See Also
    --------
    RNNClassifier : The classifier counterpart.
    sklearn.neural_network.MLPRegressor : The tabular model the names follow.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 10, 2)).astype(np.float32)
    >>> y = X[:, :, 0].sum(axis=1)
    >>> reg = RNNRegressor(hidden_size=8, max_iter=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> reg.predict([X[0, :4], X[1]]).shape  # sequences of any length
    (2,)
    """

    _targets = SEQUENCE
    # Measured on sequence targets only (the benchmarks' low-signal suite).
    _holds_out_small_data = True

    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        **SEQUENCE_OUTPUT_CONSTRAINTS,
        **BaseRNNRegressor._parameter_constraints,
    }

    def __init__(
        self,
        *,
        cell="gru",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        activation="tanh",
        pooling="max",
        conv_filters="auto",
        conv_kernel_size=8,
        conv_layout="serial",
        conv_norm="batch",
        highway=0,
        n_estimators=1,
        downsample="auto",
        conv_pool=1,
        categorical_features=None,
        embedding_dim="auto",
        alpha=1e-4,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=3e-3,
        max_iter=300,
        shuffle=True,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=30,
        tol=1e-4,
        clip_grad_norm=None,
        average_decay=0.9,
        weight_init="torch",
        warm_start=False,
        random_state=None,
        verbose=0,
        device="cpu",
        n_threads="auto",
        callbacks=None,
        loss="squared_error",
        quantile=None,
        normalize_y=True,
    ):
        super().__init__(
            cell=cell,
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            activation=activation,
            conv_filters=conv_filters,
            conv_kernel_size=conv_kernel_size,
            conv_layout=conv_layout,
            conv_norm=conv_norm,
            highway=highway,
            n_estimators=n_estimators,
            categorical_features=categorical_features,
            embedding_dim=embedding_dim,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            max_iter=max_iter,
            shuffle=shuffle,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            clip_grad_norm=clip_grad_norm,
            average_decay=average_decay,
            weight_init=weight_init,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            device=device,
            n_threads=n_threads,
            callbacks=callbacks,
        )
        self.pooling = pooling
        self.downsample = downsample
        self.conv_pool = conv_pool
        self.loss = loss
        self.quantile = quantile
        self.normalize_y = normalize_y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences: a 3D array, a 2D array of univariate sequences, or a list
            of 2D ``(length, n_features)`` or 1D ``(length,)`` arrays of any
            lengths. Timesteps that are NaN in every feature are padding: at
            the end of a sequence, and in 3D arrays and lists also at its start.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        Returns
        -------
        self : RNNRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over ``X`` and ``y``, continuing from the current model.

        The optimizer keeps its state between calls; ``early_stopping`` does
        not apply.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences: a 3D array, a 2D array of univariate sequences, or a list
            of 2D ``(length, n_features)`` or 1D ``(length,)`` arrays of any
            lengths. Timesteps that are NaN in every feature are padding: at
            the end of a sequence, and in 3D arrays and lists also at its start.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        Returns
        -------
        self : RNNRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict targets for sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences: a 3D array, a 2D array of univariate sequences, or a list
            of 2D ``(length, n_features)`` or 1D ``(length,)`` arrays of any
            lengths. Timesteps that are NaN in every feature are padding: at
            the end of a sequence, and in 3D arrays and lists also at its start.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values; with several quantiles, a last axis of
            ``len(quantile)``.
        """
        return super().predict(X)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R² of ``predict`` on sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences, as for ``predict``.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets. A pandas ``y`` indexed by the ids of an ``(id,
            time)`` DataFrame ``X`` is read in the order of ``X``'s sequences.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R² of ``self.predict(X)`` against ``y``.
        """
        return super().score(X, y, sample_weight)
