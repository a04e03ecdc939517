"""Sequence transformers: padding/truncation, imputation, outliers, robust
scaling, and any scikit-learn transformer applied step by step."""

from ._imputer import SequenceImputer
from ._outliers import SequenceOutlierFilter
from ._padder import SequencePadder
from ._scaler import SequenceScaler
from ._step import StepTransformer
from ._time import TimeFeatures

__all__ = [
    "SequenceImputer",
    "SequenceOutlierFilter",
    "SequencePadder",
    "SequenceScaler",
    "StepTransformer",
    "TimeFeatures",
]
