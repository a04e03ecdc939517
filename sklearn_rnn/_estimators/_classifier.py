"""Classification: what it adds to the base estimator (``BaseRNNClassifier``),
and ``RNNClassifier``, one label per sequence."""

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array
from torch import nn

from .._nn._output_map import ClassificationMap
from .._warnings import warn_user
from ._base import SEQUENCE_OUTPUT_CONSTRAINTS, BaseRNN
from ._targets import SEQUENCE

__all__ = ["BaseRNNClassifier", "RNNClassifier"]


class BaseRNNClassifier(ClassifierMixin, BaseRNN):
    """What classification adds to :class:`BaseRNN` in both target layouts:
    classes, class weights, probabilities, accuracy."""

    _parameter_constraints: dict = {
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def predict_proba(self, X):
        """See :class:`RNNClassifier` and :class:`RNNTimestepClassifier`."""
        return self._predict(X, self._to_proba)

    @property
    def _output_map(self):
        """The map from logits to probabilities and labels (and how members
        of an ensemble combine): see :class:`ClassificationMap`."""
        return ClassificationMap(self._multilabel, self.classes_)

    def _to_proba(self, logits):
        """Raw network outputs (a tensor) as class probabilities."""
        return self._output_map.predict(logits.double()).cpu().numpy()

    def predict_log_proba(self, X):
        """See :class:`RNNClassifier` and :class:`RNNTimestepClassifier`."""
        return self._predict(X, self._to_log_proba)

    def _to_log_proba(self, logits):
        return self._output_map.log_predict(logits.double()).cpu().numpy()

    def predict(self, X):
        """See :class:`RNNClassifier` and :class:`RNNTimestepClassifier`."""
        return self._predict(X, self._to_labels)

    def score(self, X, y, sample_weight=None):
        """See :class:`RNNClassifier` and :class:`RNNTimestepClassifier`."""
        return self._targets.score(
            self, X, y, sample_weight, accuracy_score, self._to_labels
        )

    def _to_labels(self, logits):
        """Raw network outputs (a tensor) as predicted labels."""
        return self._output_map.labels(logits)

    def _validate_targets(self, y, seqs, *, first, incremental, classes, sample_weight):
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y", estimator=self)
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y")
        if kind == "multilabel-indicator":
            return self._validate_multilabel(y, first)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"{type(self).__name__} supports binary, multiclass and multilabel "
                f"(indicator matrix) targets. Got {kind} targets instead."
            )
        if y.ndim == 2:
            warn_user(
                "A column-vector y was passed when a 1d array was expected. Please "
                "change the shape of y to (n_samples,), for example using ravel().",
                DataConversionWarning,
            )
            y = y.ravel()
        if first and incremental and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if incremental and isinstance(self.class_weight, str):  # 'balanced'
            raise ValueError(
                "class_weight 'balanced' is not supported for partial_fit, which "
                "sees one batch at a time. Compute the weights once with "
                "sklearn.utils.class_weight.compute_class_weight('balanced', "
                "classes=classes, y=y) on the whole training target (or a large "
                "sample of it) and pass them as a dict to class_weight."
            )
        if not first and self._multilabel:
            raise ValueError(
                f"y holds {kind} labels, but {type(self).__name__} was fitted on "
                "multilabel (indicator matrix) targets."
            )
        labels = np.unique(y if classes is None else classes)
        if first:
            if len(labels) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    f"the data, but the data contains only one class: {labels[0]!r}."
                )
        elif classes is not None and not np.array_equal(labels, self.classes_):
            raise ValueError(
                f"classes={labels.tolist()} is not the same as on the first call "
                f"to partial_fit: {self.classes_.tolist()}."
            )
        known = labels if first else self.classes_
        unseen = np.setdiff1d(y, known)
        if len(unseen):
            raise ValueError(
                f"y contains labels {unseen.tolist()} that are not in classes_ "
                f"{known.tolist()}."
            )
        encoded = np.searchsorted(known, y).astype(np.int64)
        attributes = {"classes_": known, "_multilabel": False, "n_outputs_": 1}
        return encoded, self._class_weights(known, encoded), attributes

    def _validate_multilabel(self, y, first):
        if first and y.shape[1] > 1 and np.all(np.asarray(y).sum(axis=1) == 1):
            warn_user(
                "y looks one-hot encoded (each row holds exactly one 1), as "
                "keras.utils.to_categorical makes it: a 2D indicator y is read as "
                f"multilabel, so {type(self).__name__} trains one independent "
                "yes/no output per column and predict returns indicator rows. For "
                "one class per sample, pass the labels instead, e.g. "
                "y.argmax(axis=1).",
                UserWarning,
            )
        if self.class_weight is not None:
            raise ValueError(
                "class_weight is not supported for multilabel y; weight the "
                "samples with sample_weight instead."
            )
        if not first and (not self._multilabel or y.shape[1] != len(self.classes_)):
            raise ValueError(
                f"y has {y.shape[1]} labels, but {type(self).__name__} was fitted "
                f"with {len(self.classes_)} classes."
            )
        attributes = {
            "classes_": np.arange(y.shape[1]),
            "_multilabel": True,
            "n_outputs_": y.shape[1],
        }
        return np.asarray(y, dtype=np.float32), None, attributes

    def _class_weights(self, classes, encoded):
        if self.class_weight is None:
            return None
        per_class = compute_class_weight(
            self.class_weight, classes=classes, y=classes[encoded]
        )
        return per_class[encoded]

    def _n_outputs(self):
        return len(self.classes_)

    def _criterion(self):
        if self._multilabel:
            return nn.BCEWithLogitsLoss(reduction="none")
        return nn.CrossEntropyLoss(reduction="none")

    def _validation_score(self, y_pred, y_true, weight):
        output_map = self._output_map
        labels = output_map.label_index(output_map.predict(y_pred.double()))
        hit = labels == y_true
        if self._multilabel:
            hit = hit.all(dim=1)
        return float((hit.double() * weight).sum() / weight.sum())

    def _stratify_validation(self, target):
        return target.ndim == 1

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class RNNClassifier(BaseRNNClassifier):
    """Recurrent neural network classifier (LSTM, GRU or Elman RNN).

    Pools the outputs of the recurrence over each sequence's real steps and
    maps them to class scores with a linear layer, trained with Adam on the
    cross-entropy
    (softmax for binary and multiclass ``y``, one sigmoid per label for
    multilabel ``y``).

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

    conv_filters : int, tuple of int or 'auto', default=(64, 64)
        Number of filters of each causal 1D convolution run before the
        recurrence (one layer per entry, ReLU after each; 0 or ``()`` for
        none), as in DeepConvLSTM and LSTM-FCN. Each output step sees only the
        current and earlier steps, so padding still never changes a
        prediction. (64, 64): with ``conv_norm='batch'`` it won or tied on
        every classification set of the benchmark but PLAID (ArrowHead from
        chance to 0.66-0.80); for classes that are the order of a few events
        in long sequences, 0 did better (see "Why the defaults"): a parameter
        for ``GridSearchCV``. 'auto' takes ``(64, 64)`` when the median
        training sequence has more than 64 steps and none otherwise (the
        regressor's default; on ItalyPowerDemand's 24 steps it scored 0.942
        against 0.954 over three seeds); ``conv_filters_`` records the choice.

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
        Whether to set aside ``validation_fraction`` of the training data
        (stratified for classifiers) and stop when the validation score has not
        improved by ``tol`` for ``n_iter_no_change`` epochs, restoring the best
        weights (the score: accuracy for classifiers, R² for the squared
        error, else the validation loss). Without it, training stops when the
        training loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs. 'auto' enables it when ``fit`` gets at least 1,000 sequences
        (a validation split of 100 or more) and ``n_iter_no_change`` is not
        None, as ``HistGradientBoostingRegressor`` does from 10,000 rows: large
        data sets then stop early at no cost in accuracy. As in
        ``MLPRegressor``, it does not apply to ``partial_fit``.

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

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes in the loss, as in scikit-learn's classifiers.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel ``y``, the label indices).

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

    _targets = SEQUENCE
    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        **SEQUENCE_OUTPUT_CONSTRAINTS,
        **BaseRNNClassifier._parameter_constraints,
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
        conv_filters=(64, 64),
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
        class_weight=None,
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
        self.class_weight = class_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences ``X`` and labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences: a 3D array, a 2D array of univariate sequences, or a list
            of 2D ``(length, n_features)`` or 1D ``(length,)`` arrays of any
            lengths. Timesteps that are NaN in every feature are padding: at
            the end of a sequence, and in 3D arrays and lists also at its start.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a binary indicator matrix for multilabel targets.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        Returns
        -------
        self : RNNClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
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

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a binary indicator matrix for multilabel targets.

        classes : array-like of shape (n_classes,), default=None
            All the classes that can appear in ``y``; required on the first call
            (except for multilabel ``y``).

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        Returns
        -------
        self : RNNClassifier
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict_proba(self, X):
        """Class probabilities for sequences ``X``.

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
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class; for multilabel targets, of each label.
        """
        return super().predict_proba(X)

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities for sequences ``X``.

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
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class (or label).
        """
        return super().predict_log_proba(X)

    def predict(self, X):
        """Predict class labels for sequences ``X``.

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
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels (an indicator matrix for multilabel targets).
        """
        return super().predict(X)

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict`` on sequences ``X``.

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
            Accuracy of ``self.predict(X)`` against ``y``.
        """
        return super().score(X, y, sample_weight)
