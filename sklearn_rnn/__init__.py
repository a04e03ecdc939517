"""Recurrent neural networks (LSTM, GRU, Elman RNN) as scikit-learn estimators."""

from ._classifier import RNNClassifier
from ._formats import channels_last, from_long_format
from ._inspection import integrated_gradients, sequence_permutation_importance
from ._onnx import to_onnx
from ._persistence import load, save
from ._regressor import RNNRegressor
from ._stream import SequenceStream
from ._timestep import RNNTimestepClassifier, RNNTimestepRegressor
from .preprocessing import (
    SequenceImputer,
    SequenceOutlierFilter,
    SequencePadder,
    SequenceScaler,
    StepTransformer,
    TimeFeatures,
)

__all__ = [
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
    "channels_last",
    "from_long_format",
    "integrated_gradients",
    "load",
    "save",
    "sequence_permutation_importance",
    "to_onnx",
]
__version__ = "0.3.0.dev0"
