"""Sequence transformers: padding/truncation, imputation, outliers, robust
scaling, any scikit-learn transformer applied step by step, and the lag tables
of forecasting libraries turned into sequences."""

from ._imputer import SequenceImputer
from ._lags import LagsToSequences
from ._outliers import SequenceOutlierFilter
from ._padder import SequencePadder
from ._scaler import SequenceScaler
from ._step import StepTransformer
from ._time import TimeFeatures

__all__ = [
    "LagsToSequences",
    "SequenceImputer",
    "SequenceOutlierFilter",
    "SequencePadder",
    "SequenceScaler",
    "StepTransformer",
    "TimeFeatures",
]
