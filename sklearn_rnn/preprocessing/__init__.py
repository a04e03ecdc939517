"""Sequence transformers: padding/truncation, imputation and robust scaling."""

from ._imputer import SequenceImputer
from ._padder import SequencePadder
from ._scaler import SequenceScaler

__all__ = ["SequenceImputer", "SequencePadder", "SequenceScaler"]
