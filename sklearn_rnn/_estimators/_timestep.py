"""The estimators with one prediction per timestep: sequence labelling and
forecasting at every step.

They share the regression and classification logic of the sequence-level
estimators (:class:`BaseRNNRegressor`, :class:`BaseRNNClassifier`) and hold
the per-step target strategy (``_targets.STEP``): the network reads the
recurrence's output at every real step instead of pooling the steps, targets
are one row per real step, the sequences one after the other, so losses,
weights, early stopping and target encodings apply to steps unchanged.
"""

from sklearn.base import _fit_context

from ._base import BaseRNN
from ._classifier import BaseRNNClassifier
from ._regressor import BaseRNNRegressor
from ._targets import STEP

__all__ = ["RNNTimestepClassifier", "RNNTimestepRegressor"]


class RNNTimestepRegressor(BaseRNNRegressor):
    """Recurrent neural network regressor with one prediction per timestep.

    Sequence-to-sequence regression (next-step forecasting at every step,
    per-step signals): the output of the recurrence at every real step is
    mapped to one or several continuous targets with a linear layer, trained
    with Adam on ``loss`` over the real steps only. A unidirectional network
    is causal: the prediction at step ``t`` depends on steps ``0..t`` only;
    ``bidirectional=True`` reads the whole sequence. The parameters are those
    of :class:`RNNRegressor` without ``pooling``, ``downsample`` and
    ``conv_pool``, which only make sense for one output per sequence.

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

    conv_filters : int or tuple of int, default=0
        Number of filters of each causal 1D convolution run before the
        recurrence (one layer per entry, ReLU after each; 0 or ``()`` for
        none), as in DeepConvLSTM and LSTM-FCN. Each output step sees only the
        current and earlier steps, so padding still never changes a
        prediction. Off by default: it helps on some series and overfits
        others (see "Why the defaults"); a parameter for ``GridSearchCV``.

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
        Whether to set aside ``validation_fraction`` of the training sequences
        (whole sequences, not stratified: the labels are per step) and stop
        when the validation score has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, restoring the best weights (the score:
        accuracy for classifiers, R² for the squared error, else the
        validation loss). Without it, training stops when the training loss
        has not improved by ``tol`` for ``n_iter_no_change`` epochs. 'auto'
        enables it when ``fit`` gets at least 1,000 sequences and
        ``n_iter_no_change`` is not None, as for the sequence estimators. As in
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
        ``bidirectional``, ``activation``, ``conv_filters``,
        ``conv_kernel_size``, ``conv_layout``, ``conv_norm``, ``highway``,
        ``n_estimators``, ``categorical_features``, ``embedding_dim``) cannot
        change.

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

    conv_filters_ : tuple of int
        The filters of each convolution the network has (``()`` for none):
        ``conv_filters`` as a tuple, or what 'auto' chose.

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
    RNNRegressor : One prediction per sequence.
    RNNTimestepClassifier : The classifier counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNTimestepRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(32, 10, 1)).astype(np.float32)
    >>> y = X[:, :, 0].cumsum(axis=1)  # a running sum: one target per step
    >>> reg = RNNTimestepRegressor(hidden_size=8, max_iter=5, random_state=0)
    >>> reg.fit(X, y).predict(X[:3]).shape
    (3, 10)
    >>> [p.shape for p in reg.predict([X[0, :4], X[1]])]  # a list in, a list out
    [(4,), (10,)]
    """

    _targets = STEP
    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
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
        conv_filters=0,
        conv_kernel_size=8,
        conv_layout="serial",
        conv_norm="batch",
        highway=0,
        n_estimators=1,
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
        BaseRNN.__init__(
            self,
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
        self.loss = loss
        self.quantile = quantile
        self.normalize_y = normalize_y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences ``X`` and per-step targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences: a 3D array, a 2D array of univariate sequences, or a list
            of 2D ``(length, n_features)`` or 1D ``(length,)`` arrays of any
            lengths. Timesteps that are NaN in every feature are padding: at
            the end of a sequence, and in 3D arrays and lists also at its start.

        y : list of array-like, or array-like of shape (n_samples, \
n_timesteps) or (n_samples, n_timesteps, n_outputs)
            Target values of every timestep: a list with one
            array ``(length_i,)`` or ``(length_i, n_outputs)`` per sequence, or an
            array aligned with ``X`` whose values past each sequence's length
            (or before its start) are ignored and may be NaN.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the sequences in the loss; each step weighs as its
            sequence.

        Returns
        -------
        self : RNNTimestepRegressor
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

        y : list of array-like, or array-like of shape (n_samples, \
n_timesteps) or (n_samples, n_timesteps, n_outputs)
            Target values of every timestep: a list with one
            array ``(length_i,)`` or ``(length_i, n_outputs)`` per sequence, or an
            array aligned with ``X`` whose values past each sequence's length
            (or before its start) are ignored and may be NaN.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the sequences in the loss; each step weighs as its
            sequence.

        Returns
        -------
        self : RNNTimestepRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict the target of every timestep of sequences ``X``.

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
        y : list of ndarray or ndarray
            Predictions at every real step: a list of ``(length_i,)`` (or
            ``(length_i, n_outputs)``) arrays when ``X`` is a list, else an
            array ``(n_samples, n_timesteps[, n_outputs])`` aligned with
            ``X``, NaN on its padding steps; with several quantiles, a last
            axis of ``len(quantile)``.
        """
        return super().predict(X)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R² over all real steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences: a 3D array, a 2D array of univariate sequences, or a list
            of 2D ``(length, n_features)`` or 1D ``(length,)`` arrays of any
            lengths. Timesteps that are NaN in every feature are padding: at
            the end of a sequence, and in 3D arrays and lists also at its start.

        y : list of array-like, or array-like of shape (n_samples, \
n_timesteps) or (n_samples, n_timesteps, n_outputs)
            Target values of every timestep: a list with one
            array ``(length_i,)`` or ``(length_i, n_outputs)`` per sequence, or an
            array aligned with ``X`` whose values past each sequence's length
            (or before its start) are ignored and may be NaN.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the sequences in the loss; each step weighs as its
            sequence.

        Returns
        -------
        score : float
            R² of the predictions of all real steps (multioutput targets:
            the uniform average over the outputs).
        """
        return super().score(X, y, sample_weight)


class RNNTimestepClassifier(BaseRNNClassifier):
    """Recurrent neural network classifier with one label per timestep.

    Sequence labelling (activity segmentation, tagging): the output of the
    recurrence at every real step is mapped to class scores with a linear
    layer, trained with Adam on the cross-entropy over the real steps only.
    A unidirectional network is causal: the label at step ``t`` depends on
    steps ``0..t`` only; ``bidirectional=True`` reads the whole sequence. The
    parameters are those of :class:`RNNClassifier` without ``pooling``,
    ``downsample`` and ``conv_pool``, which only make sense for one output
    per sequence.

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

    conv_filters : int or tuple of int, default=0
        Number of filters of each causal 1D convolution run before the
        recurrence (one layer per entry, ReLU after each; 0 or ``()`` for
        none), as in DeepConvLSTM and LSTM-FCN. Each output step sees only the
        current and earlier steps, so padding still never changes a
        prediction. Off by default: it helps on some series and overfits
        others (see "Why the defaults"); a parameter for ``GridSearchCV``.

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
        Whether to set aside ``validation_fraction`` of the training sequences
        (whole sequences, not stratified: the labels are per step) and stop
        when the validation score has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, restoring the best weights (the score:
        accuracy for classifiers, R² for the squared error, else the
        validation loss). Without it, training stops when the training loss
        has not improved by ``tol`` for ``n_iter_no_change`` epochs. 'auto'
        enables it when ``fit`` gets at least 1,000 sequences and
        ``n_iter_no_change`` is not None, as for the sequence estimators. As in
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
        ``bidirectional``, ``activation``, ``conv_filters``,
        ``conv_kernel_size``, ``conv_layout``, ``conv_norm``, ``highway``,
        ``n_estimators``, ``categorical_features``, ``embedding_dim``) cannot
        change.

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

    conv_filters_ : tuple of int
        The filters of each convolution the network has (``()`` for none):
        ``conv_filters`` as a tuple, or what 'auto' chose.

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
    RNNClassifier : One label per sequence.
    RNNTimestepRegressor : The regressor counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNTimestepClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(32, 10, 1)).astype(np.float32)
    >>> y = np.where(X[:, :, 0] > 0, "up", "down")  # one label per step
    >>> clf = RNNTimestepClassifier(hidden_size=8, max_iter=5, random_state=0)
    >>> clf.fit(X, y).predict(X[:2]).shape
    (2, 10)
    >>> [p.shape for p in clf.predict_proba([X[0, :4], X[1]])]
    [(4, 2), (10, 2)]
    """

    _targets = STEP
    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
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
        conv_filters=0,
        conv_kernel_size=8,
        conv_layout="serial",
        conv_norm="batch",
        highway=0,
        n_estimators=1,
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
        BaseRNN.__init__(
            self,
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
        self.class_weight = class_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences ``X`` and per-step targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences: a 3D array, a 2D array of univariate sequences, or a list
            of 2D ``(length, n_features)`` or 1D ``(length,)`` arrays of any
            lengths. Timesteps that are NaN in every feature are padding: at
            the end of a sequence, and in 3D arrays and lists also at its start.

        y : list of array-like, or array-like of shape (n_samples, \
n_timesteps) or (n_samples, n_timesteps, n_outputs)
            Class labels (strings allowed) of every timestep: a list with one
            array ``(length_i,)`` or ``(length_i, n_labels)`` per sequence, or an
            array aligned with ``X`` whose values past each sequence's length
            (or before its start) are ignored and may be NaN.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the sequences in the loss; each step weighs as its
            sequence.

        Returns
        -------
        self : RNNTimestepClassifier
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

        y : list of array-like, or array-like of shape (n_samples, \
n_timesteps) or (n_samples, n_timesteps, n_outputs)
            Class labels (strings allowed) of every timestep: a list with one
            array ``(length_i,)`` or ``(length_i, n_labels)`` per sequence, or an
            array aligned with ``X`` whose values past each sequence's length
            (or before its start) are ignored and may be NaN.

        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call, as in scikit-learn's
            incremental classifiers.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the sequences in the loss; each step weighs as its
            sequence.

        Returns
        -------
        self : RNNTimestepClassifier
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict_proba(self, X):
        """Class probabilities at every timestep of sequences ``X``.

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
        proba : list of ndarray or ndarray
            A list of ``(length_i, n_classes)`` arrays when ``X`` is a list,
            else an array ``(n_samples, n_timesteps, n_classes)`` aligned with
            ``X``, NaN on its padding steps.
        """
        return super().predict_proba(X)

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities at every timestep of ``X``.

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
        log_proba : list of ndarray or ndarray
            As :meth:`predict_proba`, in logarithms.
        """
        return super().predict_log_proba(X)

    def predict(self, X):
        """Predict the label of every timestep of sequences ``X``.

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
        y : list of ndarray or ndarray
            Labels at every real step: a list of ``(length_i,)`` arrays when
            ``X`` is a list, else an array ``(n_samples, n_timesteps)``
            aligned with ``X``. Padding steps of an array are NaN: the array
            is then float for numeric classes and object for strings (with
            no padding it has the dtype of ``classes_``). Multilabel targets
            give indicator rows ``(..., n_labels)``.
        """
        return super().predict(X)

    def score(self, X, y, sample_weight=None):
        """Accuracy over all real steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences: a 3D array, a 2D array of univariate sequences, or a list
            of 2D ``(length, n_features)`` or 1D ``(length,)`` arrays of any
            lengths. Timesteps that are NaN in every feature are padding: at
            the end of a sequence, and in 3D arrays and lists also at its start.

        y : list of array-like, or array-like of shape (n_samples, \
n_timesteps) or (n_samples, n_timesteps, n_outputs)
            Class labels (strings allowed) of every timestep: a list with one
            array ``(length_i,)`` or ``(length_i, n_labels)`` per sequence, or an
            array aligned with ``X`` whose values past each sequence's length
            (or before its start) are ignored and may be NaN.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the sequences in the loss; each step weighs as its
            sequence.

        Returns
        -------
        score : float
            Share of the real steps whose label is predicted right.
        """
        return super().score(X, y, sample_weight)
