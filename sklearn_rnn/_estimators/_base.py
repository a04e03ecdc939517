"""The base class of the recurrent estimators: validation, training, prediction.

``BaseRNN`` holds everything the regressor and the classifier share. A
subclass fills the hooks below (what differs is the target, the loss and how
the outputs are read); see the "Architecture" section of
docs/user_guide/development.md.
"""

import copy
import functools
import inspect
import math
import sys
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
)
from skorch.callbacks import GradientNormClipping, LRScheduler
from skorch.helper import predefined_split

from .._input._categories import (
    check_categorical_features,
    embedding_dims,
    encode_categories,
)
from .._input._validation import (
    check_sequences,
    commit_input_attributes,
)
from .._nn._ensemble import Ensemble
from .._nn._keras_init import keras_initialise
from .._nn._lstm_loop import prepare_kernel
from .._nn._network import POOLING, RecurrentNet
from .._nn._recurrence import ACTIVATIONS, CELLS
from .._nn._shrink import shrink_outputs
from .._training._callbacks import (
    Diverged,
    DivergenceGuard,
    SlowEpochProgress,
    StopAfterTheRow,
    StopEachMember,
    ValidationScore,
    WeightAverage,
    is_terminal,
)
from .._training._data import (
    PREDICT_BATCH_SIZE,
    ROW_BLOCK,
    SequenceBatches,
    predict_batches,
    sequence_data,
)
from .._training._distributed import current_world, local_device
from .._training._net import SequenceNet
from .._training._runtime import flush_denormals, resolve_device, seeded_torch
from .._training._threads import auto_threads, torch_threads
from .._warnings import UnscaledInputWarning, warn_user

__all__ = [
    "ARCHITECTURE",
    "AUTO_CONV_FILTERS",
    "BaseRNN",
    "SEQUENCE_OUTPUT_CONSTRAINTS",
    "row_blocks",
]

# downsample='auto' shortens the median training sequence to about this many
# steps for the recurrence: block means the convolutions read, and block
# means alone (the docstring of downsample gives the measurements).
AUTO_STEPS_CONV, AUTO_STEPS_MEAN = 64, 256
# conv_filters='auto': these convolutions when the median training sequence is
# longer than AUTO_STEPS_CONV (what the recurrence reads after them), none on
# shorter ones (the docstring of conv_filters gives the measurements).
AUTO_CONV_FILTERS = (64, 64)
# early_stopping='auto': on from this many training sequences (a validation
# split of 100 at the default validation_fraction).
AUTO_EARLY_STOPPING = 1000
# Below that, the regressor's early_stopping='auto' holds out at least this
# share, and shrinks its outputs toward the mean by what that share supports.
AUTO_SMALL_FRACTION = 0.2
# ... where that share holds at least this many sequences (50 of positive
# weight): a score and a shrinkage need more than a handful to mean anything.
AUTO_SMALL_MIN_HELD_OUT = 10
# batch_size='auto': batches of AUTO_SMALL_BATCH below AUTO_EARLY_STOPPING
# training sequences, of AUTO_LARGE_BATCH from there on (the docstring of
# batch_size gives the measurements).
AUTO_SMALL_BATCH, AUTO_LARGE_BATCH = 16, 32
# Rows per block of attention_weights and integrated_gradients: as many as a
# batch of predict (their graphs hold every step of every row of a block).
EXPLAIN_BLOCK_ROWS = PREDICT_BATCH_SIZE

# Parameters that shape the network or the encoding of its targets:
# warm_start and partial_fit cannot change them.
ARCHITECTURE = (
    "cell",
    "hidden_size",
    "num_layers",
    "bidirectional",
    "activation",
    "pooling",
    "conv_filters",
    "conv_kernel_size",
    "conv_layout",
    "conv_norm",
    "highway",
    "n_estimators",
    "downsample",
    "conv_pool",
    "categorical_features",
    "embedding_dim",
    "loss",
    "quantile",
    "normalize_y",
)


# The parameters of the estimators with one output per sequence only: how the
# steps are pooled into it, and how far they are downsampled before; and
# conv_filters='auto', whose choice follows from the lengths it shortens.
SEQUENCE_OUTPUT_CONSTRAINTS = {
    "pooling": [StrOptions(set(POOLING))],
    "conv_filters": [
        Interval(Integral, 0, None, closed="left"),
        tuple,
        list,
        StrOptions({"auto"}),
    ],
    "downsample": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "conv_pool": [Interval(Integral, 1, None, closed="left")],
}


# Keras' names for what these estimators call otherwise: a Keras habit gets
# a TypeError that names the parameter to use.
KERAS_NAMES = {
    "epochs": "max_iter",
    "units": "hidden_size",
    "lr": "learning_rate_init",
    "validation_split": "early_stopping=True with validation_fraction",
    "return_sequences": (
        "RNNTimestepRegressor or RNNTimestepClassifier (one prediction per step)"
    ),
    "recurrent_dropout": "dropout (between stacked layers)",
    "kernel_initializer": "weight_init='keras'",
    "recurrent_initializer": "weight_init='keras'",
    "input_shape": "nothing: fit reads the shape from X",
    "input_dim": "nothing: fit reads the shape from X",
    "optimizer": "learning_rate_init (the optimizer is Adam)",
    "mask_value": "nothing: NaN steps at either end of a sequence are padding",
    "use_ema": "average_decay (an average of the weights over epochs)",
    "ema_momentum": "average_decay (per epoch, not per step)",
    "loss": "the log loss (cross-entropy), always (only the regressors take a loss)",
}
# Keras' keywords of fit and predict: what to do instead, by method.
_KERAS_FIT = {
    "epochs": "set max_iter=... in the constructor",
    "batch_size": "set batch_size=... in the constructor",
    "validation_split": (
        "set early_stopping=True and validation_fraction=... in the constructor"
    ),
    "validation_data": (
        "set early_stopping=True and validation_fraction=... in the constructor "
        "(the validation set is drawn from X)"
    ),
    "verbose": "set verbose=... in the constructor",
    "callbacks": "set callbacks=[...] (skorch callbacks) in the constructor",
    "shuffle": "set shuffle=... in the constructor",
    "class_weight": "set class_weight=... in RNNClassifier's constructor",
    "initial_epoch": "set warm_start=True, or call partial_fit, to train on",
    "x": "pass X (a capital X)",
}
_KERAS_PREDICT = {
    "verbose": "predict prints nothing: leave verbose out",
    "batch_size": "predict batches the sequences itself: leave batch_size out",
    "x": "pass X (a capital X)",
}
KERAS_CALL_NAMES = {
    "fit": _KERAS_FIT,
    "partial_fit": _KERAS_FIT,
    "predict": _KERAS_PREDICT,
    "predict_proba": _KERAS_PREDICT,
    "predict_log_proba": _KERAS_PREDICT,
}
# Keras' names of the regression losses.
KERAS_LOSSES = {
    "mse": "squared_error",
    "mean_squared_error": "squared_error",
    "mae": "absolute_error",
    "mean_absolute_error": "absolute_error",
    "huber_loss": "huber",
}


def _history_column(history, key):
    return [row[key] for row in history if key in row]


class BaseRNN(BaseEstimator, metaclass=ABCMeta):
    """Shared logic of the four estimators: validation, transactional fit,
    training and the forward pass.

    A class sets ``_targets`` (where its targets sit, see ``_targets.py``) and
    the hooks of its target kind (regression or classification):

    - ``_validate_targets(y, seqs, *, first, incremental, classes,
      sample_weight)`` returns ``(target, class_weight or None, attributes)``:
      the encoded target from the rows ``y`` of the loss (``_targets.rows``) and
      their weights ``sample_weight``, and the fitted attributes a first fit
      commits (``classes_``, ``n_outputs_``, target statistics weighted by
      ``sample_weight``); it must not write to ``self``;
    - ``_n_outputs()``: width of the network's output layer;
    - ``_criterion()``: an unreduced torch loss;
    - ``_validation_score(y_pred, y_true, weight)``: the early-stopping score;
    - ``_stratify_validation(target)``: whether the validation split is
      stratified by the encoded target.
    """

    # Where the targets sit (a strategy of ._targets: SEQUENCE or STEP), set by
    # each estimator class.
    _targets = None
    # Whether the running fit stops on a validation split (early_stopping
    # resolved, 'auto' included); False for a loaded model.
    _early_stopping = False

    _parameter_constraints: dict = {
        "cell": [StrOptions(set(CELLS))],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "conv_filters": [Interval(Integral, 0, None, closed="left"), tuple, list],
        "conv_kernel_size": [Interval(Integral, 1, None, closed="left")],
        "conv_layout": [StrOptions({"serial", "parallel"})],
        "conv_norm": [StrOptions({"batch"}), None],
        "highway": [Interval(Integral, 0, None, closed="left")],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "categorical_features": ["array-like", None],
        "embedding_dim": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "learning_rate": [StrOptions({"constant", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "average_decay": [Interval(Real, 0, 1, closed="left")],
        "weight_init": [StrOptions({"torch", "keras"})],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "device": [str, torch.device],
        "n_threads": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "callbacks": [list, None],
    }

    def __new__(cls, *args, **kwargs):
        keras = [name for name in kwargs if name in KERAS_NAMES]
        if keras:  # the signature is read only then: clone constructs often
            accepted = cls._get_param_names()
            for name in keras:
                if name not in accepted:
                    raise TypeError(
                        f"{cls.__name__}.__init__() got an unexpected keyword "
                        f"argument {name!r}: Keras' {name} is "
                        f"{KERAS_NAMES[name]} here."
                    )
        return super().__new__(cls)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, hints in KERAS_CALL_NAMES.items():
            method = cls.__dict__.get(name)
            if inspect.isfunction(method):
                setattr(cls, name, _with_keras_hints(method, hints))

    def _validate_params(self):
        """scikit-learn's validation, with our name for a Keras loss and for
        Keras' learning rate."""
        try:
            super()._validate_params()
        except InvalidParameterError as exc:
            loss = getattr(self, "loss", None)
            ours = KERAS_LOSSES.get(loss) if isinstance(loss, str) else None
            if ours is not None and "'loss' parameter" in str(exc):
                raise InvalidParameterError(
                    f"{exc} Keras' {loss!r} is loss={ours!r} here."
                ) from None
            rate = self.learning_rate
            if isinstance(rate, Real) and "'learning_rate' parameter" in str(exc):
                raise InvalidParameterError(
                    f"{exc} learning_rate is the schedule, as in MLPRegressor; "
                    f"for a step size of {rate} set learning_rate_init={rate}."
                ) from None
            raise

    def __setstate__(self, state):
        # A model pickled by 0.3 names this fitted attribute `_front_end_pools`.
        if "_front_end_pools" in state:
            state["_front_end_block_means"] = state.pop("_front_end_pools")
        super().__setstate__(state)

    @abstractmethod
    def __init__(
        self,
        *,
        cell,
        hidden_size,
        num_layers,
        bidirectional,
        dropout,
        activation,
        conv_filters,
        conv_kernel_size,
        conv_layout,
        conv_norm,
        highway,
        n_estimators,
        categorical_features,
        embedding_dim,
        alpha,
        batch_size,
        learning_rate,
        learning_rate_init,
        max_iter,
        shuffle,
        early_stopping,
        validation_fraction,
        n_iter_no_change,
        tol,
        clip_grad_norm,
        average_decay,
        weight_init,
        warm_start,
        random_state,
        verbose,
        device,
        n_threads,
        callbacks,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.activation = activation
        self.conv_filters = conv_filters
        self.conv_kernel_size = conv_kernel_size
        self.conv_layout = conv_layout
        self.conv_norm = conv_norm
        self.highway = highway
        self.n_estimators = n_estimators
        self.categorical_features = categorical_features
        self.embedding_dim = embedding_dim
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.clip_grad_norm = clip_grad_norm
        self.average_decay = average_decay
        self.weight_init = weight_init
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.device = device
        self.n_threads = n_threads
        self.callbacks = callbacks

    @property
    def module_(self):
        """The trained :class:`torch.nn.Module`."""
        return self._net.module_

    @property
    def history_(self):
        """The skorch :class:`~skorch.history.History` of all epochs."""
        return self._net.history

    # -- fitting ------------------------------------------------------------------

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        """Fit as a transaction: on any error but ``KeyboardInterrupt`` (which
        skorch turns into an early end of training), the estimator is left
        exactly as it was: its previous model, attributes and history, or
        unfitted after a failed first fit."""
        saved = dict(self.__dict__)
        rng = copy.deepcopy(saved.get("_rng"))
        net = saved.get("_net")
        epochs = None if net is None else len(net.history)
        try:
            return self._fit_and_commit(
                X, y, sample_weight, incremental=incremental, classes=classes
            )
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(saved)
            if rng is not None:
                self._rng = rng
            if net is not None:  # a warm fit shares (and extends) the history
                del net.history[epochs:]
            raise

    def _fit_and_commit(self, X, y, sample_weight, *, incremental, classes):
        """Validate everything, commit the fitted state, then train."""
        first = not hasattr(self, "_net") or not (incremental or self.warm_start)
        if not first:
            self._check_architecture()
        conv_filters = self._conv_filters()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        y = self._targets.align(X, y)
        # A memmap stays on disk (read a batch at a time) unless categories
        # are encoded, which rewrites the values.
        seqs = check_sequences(
            self,
            X,
            reset=first,
            dtype=np.float32,
            pad_value=0.0,
            flat=True,
            lazy=self.categorical_features is None,
        )
        n_channels = seqs.values.shape[-1]
        if first:
            self._targets.check_shapes(X, y, seqs, self)
        raw_weight = _check_sample_weight(
            sample_weight, seqs.lengths, dtype=np.float64, ensure_non_negative=True
        )
        _check_positive_total(raw_weight)
        if first:
            conv_filters = self._resolve_conv_filters(
                conv_filters, seqs.lengths, raw_weight
            )
            downsample = self._resolve_downsample(
                seqs.lengths, raw_weight, conv_filters
            )
        else:  # the network's own, which 'auto' chose at the first fit
            conv_filters = self.conv_filters_
        categorical = self._categorical(seqs) if first else self._categorical_
        if first:
            _warn_if_unscaled(seqs, categorical, type(self).__name__)
        categories = None if first else getattr(self, "categories_", None)
        values, categories = encode_categories(
            seqs, categorical, categories, self, learn_from=raw_weight > 0
        )
        row_weight = self._targets.row_weights(raw_weight, seqs)
        target, class_weight, target_attributes = self._validate_targets(
            self._targets.rows(y, seqs, self),
            seqs,
            first=first,
            incremental=incremental,
            classes=classes,
            sample_weight=row_weight,
        )
        check_consistent_length(row_weight, target)
        weight = self._sample_weights(row_weight, class_weight, incremental)
        device = resolve_device(self.device, type(self).__name__)
        # One generator, drawn from random_state once per fit, feeds every later
        # seed (torch, shuffling, validation split).
        rng = self._rng if not first else _fit_rng(self.random_state)
        world = current_world(device)
        if world is not None:
            device = local_device(device)
            self._check_distributed(world, incremental, seqs.lengths)
            # Rank 0's stream on every process: the same initial weights,
            # validation split and batch order.
            rng.bit_generator.state = world.broadcast_object(rng.bit_generator.state)
        seed = int(rng.integers(2**31 - 1))
        data = sequence_data(
            values,
            seqs.lengths,
            target,
            weight,
            seqs.offsets,
            self._targets.row_offsets(seqs.lengths),
        )
        valid = None
        batch_size = self._batch_size_for(len(data))
        stopping = self._stopping_for(
            len(data), int((raw_weight > 0).sum()), first=first, incremental=incremental
        )
        self._early_stopping = stopping != "off"
        # Small data the regressor's 'auto' holds out too, and shrinks toward
        # the mean by what the held-out part supports.
        small = (
            stopping == "held_out"
            and self.early_stopping == "auto"
            and len(data) < AUTO_EARLY_STOPPING
        )
        if self.verbose and not incremental:
            chosen = (conv_filters, downsample) if first else None
            self._say_what_auto_chose(len(data), batch_size, stopping, chosen)
        whole = data  # where the shrinkage's training mean comes from (on the CPU)
        if self._early_stopping:
            fraction = self.validation_fraction
            if small:
                fraction = max(fraction, AUTO_SMALL_FRACTION)
            data, valid = self._split_validation(
                data, target, seed, fraction, raw_weight > 0
            )
            valid = valid.on_device(device)
        data = data.on_device(device)  # once per fit, not once per batch
        if first:  # everything is valid: the new fit replaces the old one at once
            commit_input_attributes(self, seqs)
            if self._holds_out_small_data:  # a new network: no blend yet
                self.linear_steps_ = 0
            for name, value in target_attributes.items():
                setattr(self, name, value)
            self._rng = rng
            self.conv_filters_ = conv_filters
            self._front_end_block_means = True
            self.downsample_ = downsample
            self._categorical_ = categorical
            self.is_categorical_ = None
            if categorical:
                self.is_categorical_ = np.isin(np.arange(n_channels), categorical)
                self.categories_ = categories
            elif hasattr(self, "categories_"):
                del self.categories_
            self._architecture = {
                name: getattr(self, name)
                for name in ARCHITECTURE
                if name in self._parameter_constraints
            }
        if device.type == "cpu" and self.cell == "lstm" and self.activation != "tanh":
            prepare_kernel(self.verbose)  # its compile is not epoch 1's time
        if world is not None:
            _check_batches_cover(world, len(data), batch_size)
        threads = self._threads(min(batch_size, len(data)), device)
        epochs = 1 if incremental else self.max_iter
        with seeded_torch(seed, device), torch_threads(threads), flush_denormals():
            net = self._build_net(
                device,
                valid,
                conv_filters,
                first=first,
                incremental=incremental,
                batch_size=batch_size,
                world=world,
            )
            self._train(net, data, epochs=epochs)
            self.early_stopping_ = stopping
            self.batch_size_ = batch_size
            if self._holds_out_small_data:
                self.shrinkage_ = self.linear_share_ = None
            if small:
                self._shrink(net, whole, data, valid, device)
        return self

    # Whether early_stopping='auto' holds data out below AUTO_EARLY_STOPPING
    # sequences too (the sequence regressor), and how much of the network's
    # output the held-out data supports (None: all of it).
    _holds_out_small_data = False

    def _shrinkage_on(self, module, train, valid, whole, device):
        return None

    def _say_what_auto_chose(self, n_sequences, batch_size, stopping, front=None):
        """At ``verbose``: what the 'auto' settings chose for this fit: those
        that change at 1,000 training sequences, and, at a first fit
        (``front``: the convolutions and the downsampling), those that follow
        from the median length."""
        chose = []
        if front is not None and self._targets.one_per_sequence:
            if isinstance(self.conv_filters, str):
                chose.append(f"conv_filters_={front[0]}")
            if isinstance(self.downsample, str):
                chose.append(f"downsample_={front[1]}")
        if self.batch_size == "auto":
            chose.append(f"batch_size_={batch_size}")
        if self.early_stopping == "auto":
            chose.append(f"early_stopping_={stopping!r}")
        if chose and self.average_decay:
            averaged = "on" if stopping == "off" else "off (held-out stop)"
            chose.append(f"weight average {averaged}")
        if chose:
            side = "below" if n_sequences < AUTO_EARLY_STOPPING else "from"
            print(
                f"On {n_sequences} training sequences ({side} "
                f"{AUTO_EARLY_STOPPING:,}) 'auto' chose: {', '.join(chose)}."
            )

    def _stopping_for(self, n_sequences, n_counted, *, first, incremental):
        """What ``early_stopping`` does in this fit: 'held_out' (stop on a
        validation split, train on the rest) or 'off'. ``n_counted``: the
        sequences of positive weight, which a split draws from."""
        # As MLP: no early stopping in partial_fit.
        if incremental or self.early_stopping is False:
            return "off"
        if self.early_stopping is True:
            return "held_out"
        if self.n_iter_no_change is None:  # None: every epoch runs
            return "off"
        if n_sequences >= AUTO_EARLY_STOPPING:
            return "held_out"
        small = n_counted * AUTO_SMALL_FRACTION >= AUTO_SMALL_MIN_HELD_OUT
        return "held_out" if first and small and self._holds_out_small_data else "off"

    def _shrink(self, net, whole, train, valid, device):
        """Shrink the outputs of ``net`` (trained on ``train``, what ``valid``
        left of ``whole``) toward the training mean by what ``valid``
        supports, blended with a linear model where it helps there."""
        shrinkage = self._shrinkage_on(net.module_, train, valid, whole, device)
        if shrinkage is None:
            return
        share, center, linear = shrinkage
        shrink_outputs(net.module_, share, center, linear)
        self.shrinkage_ = share.numpy().astype(np.float64)
        self.linear_share_ = np.zeros_like(self.shrinkage_)
        if linear is not None:
            # The optimizer takes the new highway in, as a network built with
            # one (a saved model's is) has it; the other weights keep their
            # Adam moments.
            old = net.optimizer_
            net.initialize_optimizer()
            for weight, state in old.state.items():
                net.optimizer_.state[weight] = state
            for group, before in zip(net.optimizer_.param_groups, old.param_groups):
                # The settings too: a learning rate 'adaptive' lowered stays.
                group.update({k: v for k, v in before.items() if k != "params"})
            self.linear_steps_ = int(linear[0].shape[2])
            self.linear_share_ = linear[2].numpy().astype(np.float64)
        if self.verbose:
            print(
                f"early_stopping='auto' on {len(whole)} sequences: trained on "
                f"{len(train)}, stopped on a validation split of {len(valid)}; "
                "the predictions keep "
                f"{np.round(self.shrinkage_, 3).tolist()} of the network's "
                "deviation from the training mean"
                + (
                    f" and {np.round(self.linear_share_, 3).tolist()} of a ridge "
                    f"regression's on the last {self.linear_steps_} steps."
                    if linear is not None
                    else "."
                )
            )

    def _check_distributed(self, world, incremental, lengths):
        """Refuse what a distributed fit cannot do, and data that differ
        between the processes."""
        if incremental:
            raise RuntimeError(
                "partial_fit cannot run in a distributed (torchrun) job: its "
                "epoch over the given chunk would need every process's chunk. "
                "Call fit (data-parallel over the processes), or partial_fit "
                "in a single process."
            )
        if self.n_estimators > 1:
            raise ValueError(
                "A distributed (torchrun) fit trains one network: n_estimators > 1 "
                "is not supported there. Fit the ensemble in a single process, or "
                f"set n_estimators=1. Got n_estimators={self.n_estimators} instead."
            )
        world.check_same(
            [len(lengths), int(lengths.sum())], "number of sequences and steps"
        )

    def _check_architecture(self):
        changed = {
            name: (old, getattr(self, name))
            for name, old in self._architecture.items()
            if not _same_value(getattr(self, name), old)
        }
        if changed:
            detail = ", ".join(
                f"{k} from {a!r} to {b!r}" for k, (a, b) in changed.items()
            )
            raise ValueError(
                f"warm_start=True and partial_fit keep the trained network, whose "
                f"architecture and target encoding cannot change; got {detail}. "
                "Set warm_start=False (or refit with fit) to train a new network."
            )

    def _resolve_downsample(self, lengths, weight, conv_filters):
        if not self._targets.one_per_sequence:  # one output per input step
            return 1
        pool = self._conv_pool(conv_filters)
        factor = self.downsample
        if factor == "auto":
            steps = AUTO_STEPS_CONV if conv_filters else AUTO_STEPS_MEAN
            median = _weighted_median(lengths, weight)
            # Whole groups of `pool` blocks, the recurrence still reading no
            # more than `steps` steps.
            factor = pool * max(1, math.ceil(median / (steps * pool)))
            if factor > 1 and not conv_filters:
                warn_user(
                    f"downsample='auto' averages blocks of {factor} steps before "
                    f"the recurrence (the median training sequence has {median:g} "
                    "steps), which can hide short events. Set downsample=1 to "
                    "read every step, or an int to choose the block.",
                    UserWarning,
                )
        if factor % pool:
            raise ValueError(
                f"downsample={factor} must be a multiple of conv_pool={pool}: the "
                "convolutions read blocks of downsample / conv_pool steps. Set "
                "conv_pool to a divisor of downsample, or downsample='auto'."
            )
        return factor

    def _conv_pool(self, conv_filters):
        """The max pooling after the convolutions before the recurrence: 1
        (none) without them, and for the per-step estimators."""
        if not conv_filters or self.conv_layout == "parallel":
            return 1
        return getattr(self, "conv_pool", 1)

    def _resolve_conv_filters(self, conv_filters, lengths, weight):
        if conv_filters != "auto":
            return conv_filters
        if _weighted_median(lengths, weight) > AUTO_STEPS_CONV:
            return AUTO_CONV_FILTERS
        return ()

    def _conv_filters(self):
        """The validated ``conv_filters`` as a tuple, or 'auto'."""
        filters = self.conv_filters
        if isinstance(filters, str) and filters == "auto":
            return filters
        filters = (
            () if filters == 0 else (filters,) if np.ndim(filters) == 0 else filters
        )
        if not all(isinstance(f, Integral) and f > 0 for f in filters):
            raise ValueError(
                "conv_filters must be an int >= 0 or a tuple of positive ints (the "
                f"filters of each convolution layer). Got {self.conv_filters!r} "
                "instead."
            )
        return tuple(int(f) for f in filters)

    def _new_network(self, conv_filters):
        """A freshly initialised network for the current parameters."""
        n_categories = [len(c) for c in getattr(self, "categories_", ())]
        return RecurrentNet(
            cell=self.cell,
            input_size=self.n_channels_in_,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            activation=self.activation,
            n_outputs=self._n_outputs(),
            pooling=self.pooling if self._targets.one_per_sequence else None,
            conv_filters=conv_filters,
            conv_kernel_size=self.conv_kernel_size,
            downsample=self.downsample_,
            conv_pool=self._conv_pool(conv_filters),
            categorical=self._categorical_,
            n_categories=n_categories,
            embedding_dims=embedding_dims(n_categories, self.embedding_dim),
            conv_parallel=self.conv_layout == "parallel",
            conv_norm=self.conv_norm is not None,
            # The regressor's linear blend gives a highway of its own.
            highway=self.highway or getattr(self, "linear_steps_", 0),
            block_means_first=self._front_end_block_means,
        )

    def _new_module(self, conv_filters):
        """The network of one fit: a ``RecurrentNet``, or an ``Ensemble`` of
        ``n_estimators`` of them (``load`` builds it on the meta device first,
        to compare a file's tensors with it before allocating anything)."""
        members = [self._new_network(conv_filters) for _ in range(self.n_estimators)]
        if len(members) == 1:
            return members[0]
        return Ensemble(members, self._output_map)

    def _batch_size_for(self, n_sequences):
        """The training batch size of a fit on ``n_sequences`` sequences."""
        if self.batch_size != "auto":
            return self.batch_size
        if n_sequences < AUTO_EARLY_STOPPING:
            return AUTO_SMALL_BATCH
        return AUTO_LARGE_BATCH

    def _build_net(
        self,
        device,
        valid,
        conv_filters,
        *,
        first,
        incremental,
        batch_size=None,
        world=None,
    ):
        """A skorch net with the current parameters, around the kept weights.

        Every fit builds a new net, so that it uses the parameters set now
        (as ``MLPClassifier`` does with ``warm_start``); only the weights, the
        history and, for ``partial_fit``, the optimizer's state carry over.
        ``batch_size``: the fit's (None: a net that will not train, as the one
        ``load`` restores, takes 'auto''s larger batches). ``world``: the
        processes of a distributed fit (None: this one alone).
        """
        if batch_size is None:
            batch_size = self._batch_size_for(AUTO_EARLY_STOPPING)
        if first:
            module = self._new_module(conv_filters)
            if self.weight_init == "keras":
                keras_initialise(module)
        else:  # a copy: the fitted model stays as it was until training succeeds
            module = copy.deepcopy(self._net.module_)
            module.set_dropout(self.dropout)
        net = SequenceNet(
            module=module,
            criterion=self._criterion(),
            optimizer=torch.optim.Adam,
            lr=self.learning_rate_init,
            optimizer__fused=device.type in ("cpu", "cuda"),
            alpha=self.alpha,
            world=world,
            max_epochs=self.max_iter,
            batch_size=batch_size,
            iterator_train=SequenceBatches,
            iterator_train__device=device,
            iterator_train__by_length=False,
            iterator_train__rng=self._rng if self.shuffle else None,
            iterator_train__world=world,
            iterator_valid=SequenceBatches,
            iterator_valid__device=device,
            iterator_valid__batch_size=max(batch_size, PREDICT_BATCH_SIZE),
            train_split=None if valid is None else predefined_split(valid),
            callbacks=self._callbacks(incremental),
            device=device,
            # One epoch table for the job: the processes' rows are the same.
            verbose=self.verbose if world is None or world.rank == 0 else 0,
        ).initialize()
        if not first:
            net.history = self._net.history
            # One header for the epoch table of a sequence of partial fits.
            print_logs = (dict(n.callbacks_).get("print_log") for n in (self._net, net))
            old_log, new_log = print_logs
            if incremental and old_log is not None and new_log is not None:
                new_log.first_iteration_ = old_log.first_iteration_
            if incremental:
                # A copy: torch's load_state_dict shares the state's tensors.
                state = copy.deepcopy(self._net.optimizer_.state_dict())
                net.optimizer_.load_state_dict(state)
        return net

    def _callbacks(self, incremental):
        callbacks = [("divergence_guard", DivergenceGuard())]
        if self.verbose and is_terminal(sys.stdout):
            callbacks.append(("progress", SlowEpochProgress()))
        early = self._early_stopping
        if early:
            callbacks.append(("valid_score", ValidationScore(self._validation_score)))
        if not incremental and self.n_iter_no_change is not None:
            if self.n_estimators > 1 and not early:
                # An ensemble stopping on its training loss stops member by
                # member; on a validation score, as one model (of the mean).
                stop = StopEachMember(
                    patience=self.n_iter_no_change, threshold=self.tol
                )
            else:
                stop = StopAfterTheRow(
                    monitor="valid_score" if early else "train_loss",
                    lower_is_better=not early,
                    patience=self.n_iter_no_change,
                    threshold=self.tol,
                    threshold_mode="abs",
                    load_best=early,
                )
            callbacks.append(("early_stopping", stop))
        if self.learning_rate == "adaptive" and not incremental:
            callbacks.append(
                (
                    "adaptive_learning_rate",
                    LRScheduler(
                        "ReduceLROnPlateau",
                        monitor="valid_score" if early else "train_loss",
                        mode="max" if early else "min",
                        factor=0.2,
                        patience=max((self.n_iter_no_change or 30) // 2 - 1, 0),
                        threshold=self.tol,
                        threshold_mode="abs",
                    ),
                )
            )
        if self.clip_grad_norm is not None:
            callbacks.append(
                ("gradient_clipping", GradientNormClipping(self.clip_grad_norm))
            )
        if self.average_decay and not early and not incremental:
            # Validation-based stopping keeps its best epoch's weights instead.
            callbacks.append(("weight_average", WeightAverage(self.average_decay)))
        # skorch initialises callbacks in place; the user's objects stay as given.
        return callbacks + copy.deepcopy(list(self.callbacks or []))

    def _train(self, net, data, epochs):
        done_before = len(_history_column(net.history, "train_loss"))
        self._net = net
        _print_loss_units(self, net)
        try:
            net.partial_fit(data, epochs=epochs)
        except Diverged as exc:
            epoch, loss = exc.args
            raise ValueError(
                f"Training diverged: the loss became {loss} in epoch "
                f"{epoch}. Lower learning_rate_init (now {self.learning_rate_init}), "
                "scale X (e.g. with sklearn_rnn.SequenceScaler) and y, or set "
                "clip_grad_norm."
            ) from None
        finally:
            # The validation data, the generator and the processes are not
            # part of the model.
            net.iterator_train__rng = None
            net.iterator_train__world = net.world = None
            net.train_split = None
            net.module_.eval()
        self._record_history(net.history, done_before, epochs)

    def _record_history(self, history, done_before, epochs):
        # Only completed epochs count: an interrupt can leave a partial one.
        self.loss_curve_ = _history_column(history, "train_loss")
        self.n_iter_ = len(self.loss_curve_)
        # As MLPRegressor: None without early stopping (never a stale list).
        self.validation_scores_ = self.best_validation_score_ = None
        if self._early_stopping or self.early_stopping is True:  # [] in partial_fit
            self.validation_scores_ = _history_column(history, "valid_score")
            self.best_validation_score_ = max(self.validation_scores_, default=None)
        ran_all = self.n_iter_ - done_before == epochs
        if epochs > 1 and ran_all and self.n_iter_no_change is not None:
            warn_user(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )

    def _split_validation(self, data, target, seed, fraction, counts):
        """The training and validation parts of ``data``, drawn from the
        sequences that ``counts`` (a positive weight): the others train, where
        they change nothing, so that a sequence of weight 0 is not there."""
        stratified = self._targets.stratify and self._stratify_validation(target)
        drawn = np.flatnonzero(counts)
        stratify = target[drawn] if stratified else None
        try:
            train, valid = train_test_split(
                drawn,
                test_size=fraction,
                random_state=seed,
                stratify=stratify,
            )
            train = np.concatenate([train, np.flatnonzero(~counts)])
        except ValueError as exc:
            raise ValueError(
                f"early_stopping=True could not split off a validation set "
                f"(validation_fraction={self.validation_fraction} of {len(data)} "
                f"samples): {exc} Use more data, a larger validation_fraction, or "
                "early_stopping=False."
            ) from None
        return data.subset(np.sort(train)), data.subset(np.sort(valid))

    def _sample_weights(self, weight, class_weight, incremental):
        """Training weights of the target rows from the validated
        ``sample_weight`` of each row and the targets' class weights."""
        if class_weight is not None:
            weight = weight * class_weight
        total = _check_positive_total(weight)
        if incremental:  # the weights of successive calls keep their scale
            return weight.astype(np.float32)
        # Mean weight 1: the loss is a per-batch mean of weighted sample losses.
        return (weight * (len(weight) / total)).astype(np.float32)

    # -- prediction ---------------------------------------------------------------

    def _forward(self, X):
        """``(raw network outputs, validated sequences)``; for per-step
        estimators one row per real step (see
        :class:`~sklearn_rnn._nn._network.RecurrentNet`).

        The network runs in float32 whatever the dtype of ``X``, as it was
        trained: in batches of a multiple of 32 rows (see
        :func:`~sklearn_rnn._training._data.predict_batches`), so no output depends on
        the other sequences of its batch.
        """
        check_is_fitted(self)
        # Read straight into float32: one conversion of float64 input, while
        # its lists of sequences are concatenated.
        seqs = check_sequences(
            self,
            X,
            reset=False,
            dtype=np.float32,
            pad_value=0.0,
            flat=True,
            lazy=not self._categorical_,
        )
        values, _ = encode_categories(
            seqs, self._categorical_, getattr(self, "categories_", None), self
        )
        module = self.module_
        device = next(module.parameters()).device
        data = sequence_data(values, seqs.lengths, offsets=seqs.offsets)
        rows = min(PREDICT_BATCH_SIZE, -(-len(data) // ROW_BLOCK) * ROW_BLOCK)
        with torch_threads(self._threads(rows, device)), flush_denormals():
            return predict_batches(module, data, device), seqs

    def _predict(self, X, to_output):
        """``to_output`` of the network's outputs for ``X``, in the form the
        target layout gives predictions (per step: shaped like ``X``)."""
        out, seqs = self._forward(X)
        return self._targets.output(to_output(out), seqs, X)

    def _padded_input(self, X):
        """``(x, lengths, seqs)``: ``X`` validated as for ``predict``, as one
        zero-padded float32 tensor ``(n, T, d)`` with category codes encoded,
        and its lengths, on the model's device."""
        check_is_fitted(self)
        seqs = check_sequences(self, X, reset=False, dtype=np.float32, pad_value=0.0)
        values, _ = encode_categories(
            seqs, self._categorical_, getattr(self, "categories_", None), self
        )
        device = next(self.module_.parameters()).device
        x = torch.from_numpy(np.ascontiguousarray(values)).to(device)
        return x, torch.from_numpy(seqs.lengths).to(device), seqs

    @available_if(
        lambda est: est._targets.one_per_sequence and est.pooling == "attention"
    )
    def attention_weights(self, X):
        """The weights ``pooling='attention'`` gives each step of each sequence.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any form ``predict`` takes.

        Returns
        -------
        weights : list of ndarray
            For each sequence, one weight per step the recurrence reads (its
            real steps, or with ``downsample_ > 1`` its blocks of steps), in
            time order, summing to 1.
        """
        x, lengths, _ = self._padded_input(X)
        out = []
        for rows in row_blocks(len(x)):
            threads = self._threads(rows.stop - rows.start, x.device)
            with torch_threads(threads), flush_denormals(), torch.no_grad():
                weights, steps = self.module_.attention_weights(x[rows], lengths[rows])
            weights = weights.cpu().numpy().astype(np.float64)
            out.extend(w[:n] for w, n in zip(weights, steps.tolist()))
        return out

    def _threads(self, rows, device):
        """torch's thread count for steps of ``rows`` sequences (None: as set)."""
        if device.type != "cpu":
            return None
        if self.n_threads != "auto":
            return self.n_threads
        return auto_threads(
            rows,
            gates=CELLS[self.cell][1],
            hidden=self.hidden_size,
            inputs=self.n_channels_in_,
            layers=self.num_layers * (2 if self.bidirectional else 1),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.multi_output = True
        return tags

    # -- hooks --------------------------------------------------------------------

    @abstractmethod
    def _validate_targets(self, y, seqs, *, first, incremental, classes, sample_weight):
        """``(target, class_weight or None, attributes to commit)``."""

    @abstractmethod
    def _n_outputs(self):
        """Width of the output layer, from the committed target attributes."""

    @abstractmethod
    def _criterion(self):
        """An unreduced torch loss (``reduction='none'``)."""

    @property
    @abstractmethod
    def _output_map(self):
        """The :class:`~sklearn_rnn._nn._output_map.OutputMap` of the fitted
        targets: raw outputs to predictions, how ensemble members combine."""

    @abstractmethod
    def _validation_score(self, y_pred, y_true, weight):
        """The early-stopping score of validation outputs (higher is better)."""

    @abstractmethod
    def _stratify_validation(self, target):
        """Whether the early-stopping split is stratified by the target."""

    def _categorical(self, seqs):
        names = seqs.input_attributes.get("feature_names_in_")
        return check_categorical_features(
            self.categorical_features,
            seqs.values.shape[-1],
            type(self).__name__,
            feature_names=names,
        )


def row_blocks(n_rows):
    """Slices of at most ``EXPLAIN_BLOCK_ROWS`` rows that cover ``n_rows``:
    the explanations run block by block, so that their memory grows with a
    block's rows, not with all of ``X``."""
    size = EXPLAIN_BLOCK_ROWS
    return [slice(a, min(a + size, n_rows)) for a in range(0, n_rows, size)]


def _with_keras_hints(method, hints):
    """``method``, whose Keras keywords (``hints``' keys it does not take) raise
    Python's TypeError with what to do instead. ``functools.wraps`` keeps the
    explicit signature that scikit-learn's checks and ``help()`` read."""
    accepted = set(inspect.signature(method).parameters)

    @functools.wraps(method)
    def with_hints(self, *args, **kwargs):
        for key in kwargs:
            if key not in accepted and key in hints:
                raise TypeError(
                    f"{type(self).__name__}.{method.__name__}() got an unexpected "
                    f"keyword argument {key!r}: for Keras' {key}, {hints[key]}."
                )
        return method(self, *args, **kwargs)

    return with_hints


def _print_loss_units(est, net):
    """Say, above the epoch table, that a regressor's train_loss is measured
    on the targets ``normalize_y`` scaled, not in the units of y."""
    log = dict(net.callbacks_).get("print_log")
    if not (est.verbose and log is not None and log.first_iteration_):
        return
    if getattr(est, "normalize_y", False):
        scaled = "y / mean(y)" if est.loss == "poisson" else "(y - mean) / std"
        log.sink(
            f"train_loss is the loss on standardised targets, {scaled} per "
            "output (normalize_y=True), not in the units of y."
        )


# A typical input magnitude (the 90th percentile of |x| of a feature) above
# which the network saturates. Random walks around levels drawn from [a, 3a),
# target the next value, RNNRegressor(hidden_size=16, max_iter=30): held-out
# R² 0.993 for a = 10 (0.993 after SequenceScaler), 0.970 for 100 (0.993),
# 0.946 for 300, 0.507 for 1000, -0.027 and a constant prediction for 3000;
# with hidden_size=64: 0.993 for 100 (0.995), 0.982 for 300, 0.921 for 1000,
# -0.002 and a constant for 3000.
LARGE_INPUT = 100.0
# ... read from at most this many training sequences.
UNSCALED_SAMPLE = 64


def _warn_if_unscaled(seqs, categorical, name):
    """Warn when a numeric feature of the training sequences is large enough
    to saturate the network (category codes are embedded, never saturate)."""
    flat = seqs.offsets is not None  # concatenated steps, then one padding row
    if flat:
        steps = seqs.values[:-1]
        steps = steps[:: max(1, len(steps) // 100_000)]  # a sample is enough
    else:  # a sample of whole sequences: a memmap is never read whole
        rows = slice(None, None, -(-len(seqs.values) // UNSCALED_SAMPLE))
        steps = np.asarray(seqs.values[rows])[seqs.mask[rows]]
    numeric = np.setdiff1d(np.arange(steps.shape[1]), list(categorical or ()))
    if not numeric.size:
        return
    typical = np.nanpercentile(np.abs(steps[:, numeric]), 90, axis=0)
    large = numeric[typical > LARGE_INPUT]
    if large.size:
        j = int(large[0])
        warn_user(
            f"{name}'s inputs are large: 90% of the values of feature {j} are "
            f"within ±{typical[numeric == j][0]:.4g}, beyond ±{LARGE_INPUT:g}, "
            f"where the network saturates and may learn a constant "
            f"(features {large.tolist()}). Scale X first, e.g. "
            f"make_pipeline(SequenceScaler(), {name}(...)); normalize_y scales "
            "only y.",
            UnscaledInputWarning,
        )


def _same_value(a, b):
    if any(isinstance(v, (np.ndarray, list, tuple)) for v in (a, b)):
        if a is None or b is None:
            return a is b
        return np.array_equal(np.ravel(a), np.ravel(b))
    return a == b


def _check_positive_total(weight):
    total = weight.sum()
    if not total > 0:
        raise ValueError(
            "sample_weight (times class_weight) sums to zero: at least one "
            "sample needs a positive weight."
        )
    return total


def _weighted_median(values, weight):
    """``np.median`` with weights (the midpoint of the lower and upper weighted
    medians; equal weights give exactly ``np.median``); weight-0 samples count
    as absent."""
    order = np.argsort(values, kind="stable")
    ordered, cumulative = values[order], np.cumsum(weight[order])
    half = 0.5 * cumulative[-1]
    lower = ordered[np.searchsorted(cumulative, half, side="left")]
    upper = ordered[np.searchsorted(cumulative, half, side="right")]
    return 0.5 * (float(lower) + float(upper))


def _check_batches_cover(world, n_sequences, batch_size):
    # Every process needs a share of every global batch (the smallest one
    # holds n // k sequences of the k batches).
    smallest = n_sequences // -(-n_sequences // batch_size)
    if smallest < world.size:
        raise ValueError(
            f"A distributed fit over {world.size} processes needs training batches "
            f"of at least {world.size} sequences, so that each process has a share "
            f"of every batch; the smallest batch of {n_sequences} sequences in "
            f"batches of {batch_size} holds {smallest}. Increase batch_size or "
            f"use fewer processes. Got batch_size={batch_size} instead."
        )


def _fit_rng(random_state):
    seed = check_random_state(random_state).randint(2**31 - 1)
    return np.random.default_rng(seed)
