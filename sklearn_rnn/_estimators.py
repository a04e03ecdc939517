"""RNNRegressor and RNNClassifier: recurrent networks as scikit-learn estimators."""

import copy
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
)
from skorch.callbacks import EarlyStopping, GradientNormClipping
from torch import nn

from ._engine import (
    Diverged,
    DivergenceGuard,
    SequenceData,
    SequenceNet,
    ValidationScore,
    predict_batches,
)
from ._module import ACTIVATIONS, CELLS, RecurrentNet
from ._sequences import check_sequences

__all__ = ["RNNClassifier", "RNNRegressor"]


def _resolve_device(device, name):
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, ValueError):
        raise InvalidParameterError(
            f"The 'device' parameter of {name} must be 'cpu', 'cuda', 'cuda:N', "
            f"'auto' or a torch.device. Got {device!r} instead."
        ) from None
    backend = getattr(torch, resolved.type, None) if resolved.type != "cpu" else None
    if not getattr(backend, "is_available", lambda: True)():
        raise ValueError(
            f"device={device!r} was requested but {resolved.type} is not available "
            "on this machine. Use device='cpu', or device='auto' to take a GPU when "
            "there is one."
        )
    return resolved


@contextmanager
def _seeded_torch(seed, device):
    """Seed torch's generators for module init and dropout, then restore them.

    Dropout kernels draw from torch's global generator, so it is seeded here,
    inside a fork that gives the user's global random state back afterwards.
    """
    cuda = device.type == "cuda"
    devices = [device.index or 0] if cuda else []
    with torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(seed)
        if cuda:
            torch.cuda.manual_seed(seed)
        yield


def _history_column(history, key):
    return [row[key] for row in history if key in row]


class _BaseRNN(BaseEstimator):
    """Shared logic; subclasses define the loss, output head and targets."""

    _parameter_constraints: dict = {
        "cell": [StrOptions(set(CELLS))],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "device": [str, torch.device],
        "callbacks": [list, None],
    }

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        activation="tanh",
        alpha=1e-4,
        batch_size=32,
        learning_rate_init=1e-3,
        max_iter=100,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        clip_grad_norm=None,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="cpu",
        callbacks=None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.activation = activation
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.clip_grad_norm = clip_grad_norm
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.device = device
        self.callbacks = callbacks

    # -- fitted state exposed from the skorch net --------------------------------

    @property
    def module_(self):
        """The trained :class:`torch.nn.Module`."""
        return self.net_.module_

    @property
    def history_(self):
        """The skorch :class:`~skorch.history.History` of all epochs."""
        return self.net_.history

    # -- fitting ------------------------------------------------------------------

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        first = not hasattr(self, "net_") or not (incremental or self.warm_start)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        target, weight = self._encode_targets(
            y, first=first, incremental=incremental, classes=classes
        )
        seqs = check_sequences(
            self, X, reset=first, dtype=np.float32, pad_value=0.0, flat=True
        )
        check_consistent_length(seqs.lengths, target)
        weight = self._sample_weights(sample_weight, weight, seqs.lengths)
        data = SequenceData(seqs.values, seqs.lengths, target, weight, seqs.offsets)
        device = _resolve_device(self.device, type(self).__name__)
        if first:
            # One generator, drawn from random_state once per fit, feeds every
            # later seed (torch, shuffling, validation split).
            seed = check_random_state(self.random_state).randint(2**31 - 1)
            self._rng = np.random.default_rng(seed)
        seed = int(self._rng.integers(2**31 - 1))
        valid = None
        if self.early_stopping and not incremental:
            data, valid = self._split_validation(data, target, seed)
        with _seeded_torch(seed, device):
            if first:
                self.net_ = self._build_net(target, device, len(data))
            self._train(data, valid, epochs=1 if incremental else self.max_iter)
        return self

    def _build_net(self, target, device, n_samples):
        module = RecurrentNet(
            cell=self.cell,
            input_size=self.n_channels_in_,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            activation=self.activation,
            n_outputs=self._n_outputs(target),
        )
        net = SequenceNet(
            module=module,
            criterion=self._criterion(),
            optimizer=torch.optim.Adam,
            lr=self.learning_rate_init,
            # MLPRegressor's penalty alpha / (2 n) ||W||^2 has this gradient.
            optimizer__weight_decay=self.alpha / n_samples,
            optimizer__fused=device.type in ("cpu", "cuda"),
            max_epochs=self.max_iter,
            batch_size=self.batch_size,
            train_split=None,
            callbacks=self._callbacks(),
            device=device,
            verbose=self.verbose,
        )
        return net.initialize()

    def _callbacks(self):
        callbacks = [("divergence_guard", DivergenceGuard())]
        if self.early_stopping:
            callbacks.append(("valid_score", ValidationScore(self._validation_score)))
        monitor = "valid_score" if self.early_stopping else "train_loss"
        callbacks.append(
            (
                "early_stopping",
                EarlyStopping(
                    monitor=monitor,
                    lower_is_better=not self.early_stopping,
                    patience=self.n_iter_no_change,
                    threshold=self.tol,
                    threshold_mode="abs",
                    load_best=self.early_stopping,
                ),
            )
        )
        if self.clip_grad_norm is not None:
            callbacks.append(
                ("gradient_clipping", GradientNormClipping(self.clip_grad_norm))
            )
        # skorch initialises callbacks in place; the user's objects stay as given.
        return callbacks + copy.deepcopy(list(self.callbacks or []))

    def _train(self, data, valid, epochs):
        net = self.net_
        net.valid_data = valid
        net.rng = self._rng if self.shuffle else None
        done_before = len(_history_column(net.history, "train_loss"))
        try:
            net.partial_fit(data, epochs=epochs)
        except Diverged as exc:
            epoch, loss = exc.args
            raise ValueError(
                f"Training diverged: the training loss became {loss} in epoch "
                f"{epoch}. Lower learning_rate_init (now {self.learning_rate_init}), "
                "scale X (e.g. with sklearn_rnn.SequenceScaler) and y, or set "
                "clip_grad_norm."
            ) from None
        finally:
            net.valid_data = None
            net.rng = None
            net.module_.eval()
        history = net.history
        # Only completed epochs count: an interrupt can leave a partial one.
        self.loss_curve_ = _history_column(history, "train_loss")
        self.n_iter_ = len(self.loss_curve_)
        if self.early_stopping:
            self.validation_scores_ = _history_column(history, "valid_score")
            self.best_validation_score_ = max(self.validation_scores_, default=None)
        if epochs > 1 and self.n_iter_ - done_before == epochs:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=5,
            )

    def _split_validation(self, data, target, seed):
        stratify = target if self._stratify_validation(target) else None
        try:
            train, valid = train_test_split(
                np.arange(len(data)),
                test_size=self.validation_fraction,
                random_state=seed,
                stratify=stratify,
            )
        except ValueError as exc:
            raise ValueError(
                f"early_stopping=True could not split off a validation set "
                f"(validation_fraction={self.validation_fraction} of {len(data)} "
                f"samples): {exc} Use more data, a larger validation_fraction, or "
                "early_stopping=False."
            ) from None
        return data.subset(np.sort(train)), data.subset(np.sort(valid))

    def _sample_weights(self, sample_weight, class_weight, lengths):
        weight = _check_sample_weight(
            sample_weight, lengths, dtype=np.float64, ensure_non_negative=True
        )
        if class_weight is not None:
            weight = weight * class_weight
        total = weight.sum()
        if not total > 0:
            raise ValueError(
                "sample_weight (times class_weight) sums to zero: at least one "
                "sample needs a positive weight."
            )
        # Mean weight 1: the loss is a per-batch mean of weighted sample losses.
        return (weight * (len(weight) / total)).astype(np.float32)

    # -- prediction ---------------------------------------------------------------

    def _forward(self, X):
        """Raw network outputs, computed in float64 for non-float32 input."""
        check_is_fitted(self)
        seqs = check_sequences(
            self,
            X,
            reset=False,
            dtype=(np.float64, np.float32),
            pad_value=0.0,
            flat=True,
        )
        module = self.net_.module_
        device = next(module.parameters()).device
        if seqs.values.dtype == np.float64:
            # float64 makes every output independent of its batch's other rows
            # (float32 kernels round differently for different batch shapes).
            module = copy.deepcopy(module).double()
        data = SequenceData(seqs.values, seqs.lengths, offsets=seqs.offsets)
        return predict_batches(module, data, device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.multi_output = True
        return tags


_COMMON_PARAMETERS = """
    Parameters
    ----------
    cell : {'lstm', 'gru', 'rnn'}, default='lstm'
        The recurrent cell: long short-term memory, gated recurrent unit, or the
        Elman recurrence ``h_t = f(W_hh h_{t-1} + W_xh x_t + b_h)``.
    hidden_size : int, default=64
        Number of hidden units in each recurrent layer (and direction).
    num_layers : int, default=1
        Number of stacked recurrent layers.
    bidirectional : bool, default=False
        Whether each layer also reads the sequences backwards. The backward
        direction reverses each sequence within its own length, so padding
        never reaches it.
    dropout : float, default=0.0
        Dropout probability between layers and before the output layer.
    activation : {'tanh', 'relu', 'sigmoid', 'identity'}, default='tanh'
        Activation of the recurrence: for 'rnn' the ``f`` above; for 'lstm' and
        'gru', as in Keras, the activation of the candidate state (and of the
        LSTM cell output), the gates staying sigmoid. 'tanh' (and 'relu' for
        'rnn') runs on PyTorch's fused kernels; the others step through time in
        Python, which is slower (see ``benchmarks/README.md``).
    alpha : float, default=1e-4
        Strength of the L2 penalty, scaled as in ``MLPRegressor``: the loss gains
        ``alpha / (2 * n_samples) * ||W||^2`` (Adam's ``weight_decay`` is
        ``alpha / n_samples``).
    batch_size : int, default=32
        Size of the minibatches. Sequences of similar length are batched
        together, so each batch is padded only to its own longest sequence.
    learning_rate_init : float, default=1e-3
        Learning rate of the Adam optimizer.
    max_iter : int, default=100
        Maximum number of epochs.
    shuffle : bool, default=True
        Whether to shuffle the samples in each epoch.
    early_stopping : bool, default=False
        Whether to set aside ``validation_fraction`` of the training data
        (stratified for classifiers) and stop when the validation score has not
        improved by ``tol`` for ``n_iter_no_change`` epochs, restoring the best
        weights. Without it, training stops when the training loss has not
        improved by ``tol`` for ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.1
        Share of the training data set aside when ``early_stopping=True``.
    n_iter_no_change : int, default=10
        Epochs without improvement before training stops.
    tol : float, default=1e-4
        Minimum improvement of the monitored loss or score.
    clip_grad_norm : float, default=None
        If set, the gradient norm is clipped to this value in every step.
    warm_start : bool, default=False
        Whether ``fit`` continues from the previous solution.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling and the validation
        split. The same integer gives the same predictions, run after run.
    verbose : int, default=0
        If positive, print one line per epoch (epoch, training loss, validation
        score when early stopping, duration).
    device : {'cpu', 'cuda', 'auto'} or str or torch.device, default='cpu'
        Where the network is trained and run; 'auto' takes a GPU when available.
    callbacks : list of skorch callbacks, default=None
        Extra :mod:`skorch.callbacks` (e.g. ``Checkpoint``, ``LRScheduler``,
        ``ProgressBar``), or ``(name, callback)`` tuples, for power users.
"""

_COMMON_ATTRIBUTES = """
    n_features_in_ : int
        Number of features seen during ``fit``: the number of columns of a 2D
        ``X`` (its timesteps, as scikit-learn's conventions demand for 2D
        input), otherwise the number of features per timestep.
    n_channels_in_ : int
        Number of features per timestep (1 for 2D input).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a 2D DataFrame with string column names.
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Training loss after each epoch.
    validation_scores_ : list of float
        Validation score after each epoch (only with ``early_stopping``).
    best_validation_score_ : float
        Best validation score (only with ``early_stopping``); its weights are
        the ones kept.
    net_ : skorch.NeuralNet
        The skorch net that trained the model.
    module_ : torch.nn.Module
        The trained network.
    history_ : skorch.history.History
        The skorch history of all epochs (``history_[:, 'train_loss']``).
"""

_INPUT_DOC = """X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences: a 3D array, a 2D array of univariate sequences, or a list
            of 2D ``(length, n_features)`` or 1D ``(length,)`` arrays of any
            lengths. Trailing all-NaN timesteps are padding."""


def _input_doc(method):
    """Write the shared description of ``X`` into a method's docstring."""
    method.__doc__ = method.__doc__.replace("<X>", _INPUT_DOC)
    return method


class RNNRegressor(RegressorMixin, _BaseRNN):
    __doc__ = (
        """Recurrent neural network regressor (LSTM, GRU or Elman RNN).

    Reads each sequence to its last real step and maps the final hidden state
    to one or several continuous targets with a linear layer, trained with
    Adam on the mean squared error.
"""
        + _COMMON_PARAMETERS
        + """
    Attributes
    ----------"""
        + _COMMON_ATTRIBUTES
        + """
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
    )

    @_fit_context(prefer_skip_nested_validation=True)
    @_input_doc
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        <X>
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        Returns
        -------
        self : RNNRegressor
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    @_input_doc
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over ``X`` and ``y``, continuing from the current model.

        Parameters
        ----------
        <X>
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : RNNRegressor
        """
        return self._fit(X, y, sample_weight, incremental=True)

    @_input_doc
    def predict(self, X):
        """Predict targets for sequences ``X``.

        Parameters
        ----------
        <X>

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        out = self._forward(X).numpy().astype(np.float64, copy=False)
        return out[:, 0] if self._y_1d else out

    def _encode_targets(self, y, *, first, incremental, classes):
        y = check_array(
            y, ensure_2d=False, dtype="numeric", input_name="y", estimator=self
        )
        if y.ndim > 2:
            raise ValueError(
                f"y must be 1D (n_samples,) or 2D (n_samples, n_outputs). Got an "
                f"array with {y.ndim} dimensions instead."
            )
        y_2d = y.reshape(len(y), -1).astype(np.float32)
        if first:
            self._y_1d = y.ndim == 1
            self.n_outputs_ = y_2d.shape[1]
        elif y_2d.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y_2d.shape[1]} outputs, but {type(self).__name__} was "
                f"fitted with {self.n_outputs_}."
            )
        return y_2d, None

    def _n_outputs(self, target):
        return target.shape[1]

    @staticmethod
    def _criterion():
        return nn.MSELoss(reduction="none")

    @staticmethod
    def _validation_score(y_pred, y_true, weight):
        return r2_score(y_true.numpy(), y_pred.numpy(), sample_weight=weight.numpy())

    @staticmethod
    def _stratify_validation(target):
        return False


class RNNClassifier(ClassifierMixin, _BaseRNN):
    __doc__ = (
        """Recurrent neural network classifier (LSTM, GRU or Elman RNN).

    Reads each sequence to its last real step and maps the final hidden state
    to class scores with a linear layer, trained with Adam on the cross-entropy
    (softmax for binary and multiclass ``y``, one sigmoid per label for
    multilabel ``y``).
"""
        + _COMMON_PARAMETERS
        + """
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes in the loss, as in scikit-learn's classifiers.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel ``y``, the label indices).
"""
        + _COMMON_ATTRIBUTES
        + """
    See Also
    --------
    RNNRegressor : The regressor counterpart.
    sklearn.neural_network.MLPClassifier : The tabular model the names follow.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.normal(size=(n, 3)) for n in rng.randint(5, 15, size=60)]
    >>> y = np.array(["up" if x[:, 0].sum() > 0 else "down" for x in X])
    >>> clf = RNNClassifier(hidden_size=8, max_iter=5, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """
    )

    _parameter_constraints: dict = {
        **_BaseRNN._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        activation="tanh",
        alpha=1e-4,
        batch_size=32,
        learning_rate_init=1e-3,
        max_iter=100,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        clip_grad_norm=None,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="cpu",
        callbacks=None,
        class_weight=None,
    ):
        super().__init__(
            cell=cell,
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            activation=activation,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate_init=learning_rate_init,
            max_iter=max_iter,
            shuffle=shuffle,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            clip_grad_norm=clip_grad_norm,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            device=device,
            callbacks=callbacks,
        )
        self.class_weight = class_weight

    @_fit_context(prefer_skip_nested_validation=True)
    @_input_doc
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences ``X`` and labels ``y``.

        Parameters
        ----------
        <X>
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a binary indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        Returns
        -------
        self : RNNClassifier
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    @_input_doc
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch over ``X`` and ``y``, continuing from the current model.

        Parameters
        ----------
        <X>
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        classes : array-like of shape (n_classes,), default=None
            All the classes that can appear in ``y``; required on the first call
            (except for multilabel ``y``).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : RNNClassifier
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    @_input_doc
    def predict_proba(self, X):
        """Class probabilities for sequences ``X``.

        Parameters
        ----------
        <X>

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            For multilabel targets, the probability of each label.
        """
        logits = self._forward(X).double()
        if self._multilabel:
            return torch.sigmoid(logits).numpy()
        return torch.softmax(logits, dim=1).numpy()

    @_input_doc
    def predict_log_proba(self, X):
        """Logarithm of the class probabilities for sequences ``X``.

        Parameters
        ----------
        <X>

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        logits = self._forward(X).double()
        if self._multilabel:
            return nn.functional.logsigmoid(logits).numpy()
        return torch.log_softmax(logits, dim=1).numpy()

    @_input_doc
    def predict(self, X):
        """Predict class labels for sequences ``X``.

        Parameters
        ----------
        <X>

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        logits = self._forward(X)
        if self._multilabel:
            return (logits > 0).numpy().astype(int)
        return self.classes_[logits.argmax(dim=1).numpy()]

    def _encode_targets(self, y, *, first, incremental, classes):
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y", estimator=self)
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y")
        if kind == "multilabel-indicator":
            return self._encode_multilabel(y, first)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"{type(self).__name__} supports binary, multiclass and multilabel "
                f"(indicator matrix) targets. Got {kind} targets instead."
            )
        if y.ndim == 2:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please "
                "change the shape of y to (n_samples,), for example using ravel().",
                DataConversionWarning,
                stacklevel=3,
            )
            y = y.ravel()
        if first and incremental and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if not first and self._multilabel:
            raise ValueError(
                f"y holds {kind} labels, but {type(self).__name__} was fitted on "
                "multilabel (indicator matrix) targets."
            )
        if first:
            self._set_classes(y if classes is None else classes, first=True)
        elif classes is not None:
            self._set_classes(classes, first=False)
        unseen = np.setdiff1d(y, self.classes_)
        if len(unseen):
            raise ValueError(
                f"y contains labels {unseen.tolist()} that are not in classes_ "
                f"{self.classes_.tolist()}."
            )
        encoded = np.searchsorted(self.classes_, y).astype(np.int64)
        return encoded, self._class_weights(encoded)

    def _set_classes(self, labels, *, first):
        labels = np.unique(labels)
        if first:
            if len(labels) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    f"the data, but the data contains only one class: {labels[0]!r}."
                )
            self.classes_ = labels
            self._multilabel = False
        elif not np.array_equal(labels, self.classes_):
            raise ValueError(
                f"classes={labels.tolist()} is not the same as on the first call "
                f"to partial_fit: {self.classes_.tolist()}."
            )

    def _encode_multilabel(self, y, first):
        if self.class_weight is not None:
            raise ValueError(
                "class_weight is not supported for multilabel y; weight the "
                "samples with sample_weight instead."
            )
        if first:
            self.classes_ = np.arange(y.shape[1])
            self._multilabel = True
        elif not self._multilabel or y.shape[1] != len(self.classes_):
            raise ValueError(
                f"y has {y.shape[1]} labels, but {type(self).__name__} was fitted "
                f"with {len(self.classes_)} classes."
            )
        return np.asarray(y, dtype=np.float32), None

    def _class_weights(self, encoded):
        if self.class_weight is None:
            return None
        per_class = compute_class_weight(
            self.class_weight, classes=self.classes_, y=self.classes_[encoded]
        )
        return per_class[encoded]

    def _n_outputs(self, target):
        return target.shape[1] if target.ndim == 2 else len(self.classes_)

    def _criterion(self):
        if self._multilabel:
            return nn.BCEWithLogitsLoss(reduction="none")
        return nn.CrossEntropyLoss(reduction="none")

    def _validation_score(self, y_pred, y_true, weight):
        if self._multilabel:
            hit = ((y_pred > 0).float() == y_true).all(dim=1)
        else:
            hit = y_pred.argmax(dim=1) == y_true
        return float((hit.double() * weight).sum() / weight.sum())

    def _stratify_validation(self, target):
        return not self._multilabel

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
