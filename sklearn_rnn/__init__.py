"""Recurrent neural networks (LSTM, GRU, Elman RNN) as scikit-learn estimators."""

from ._estimators._classifier import RNNClassifier
from ._estimators._regressor import RNNRegressor
from ._estimators._timestep import RNNTimestepClassifier, RNNTimestepRegressor
from ._fitted._inspection import integrated_gradients, sequence_permutation_importance
from ._fitted._onnx import to_onnx
from ._fitted._persistence import load, save
from ._fitted._stream import SequenceStream
from ._input._formats import channels_last, from_long_format
from ._warnings import UnscaledInputWarning
from .preprocessing import (
    LagsToSequences,
    SequenceImputer,
    SequenceOutlierFilter,
    SequencePadder,
    SequenceScaler,
    StepTransformer,
    TimeFeatures,
)

__all__ = [
    "LagsToSequences",
    "RNNClassifier",
    "RNNRegressor",
    "RNNTimestepClassifier",
    "RNNTimestepRegressor",
    "SequenceImputer",
    "SequenceOutlierFilter",
    "SequencePadder",
    "SequenceScaler",
    "SequenceStream",
    "StepTransformer",
    "TimeFeatures",
    "UnscaledInputWarning",
    "channels_last",
    "from_long_format",
    "integrated_gradients",
    "load",
    "save",
    "sequence_permutation_importance",
    "to_onnx",
]
__version__ = "0.4.0.dev0"
