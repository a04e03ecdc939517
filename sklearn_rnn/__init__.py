"""Recurrent neural networks (LSTM, GRU, Elman RNN) as scikit-learn estimators."""

from ._estimators import RNNClassifier, RNNRegressor
from ._preprocessing import SequenceImputer, SequencePadder, SequenceScaler

__all__ = [
    "RNNClassifier",
    "RNNRegressor",
    "SequenceImputer",
    "SequencePadder",
    "SequenceScaler",
]
__version__ = "0.1.0"
