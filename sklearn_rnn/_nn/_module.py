"""Where the network's classes lived up to 0.3: kept so that pickles of
fitted estimators load.

A pickle names each object's class by its module path
(``sklearn_rnn._nn._module.RecurrentNet``), so a model pickled (or
``joblib``-dumped) before the split looks its classes up here. The package
itself imports from their own files.
"""

from ._batch_norm import MaskedBatchNorm
from ._embedding import CategoricalEmbedding
from ._ensemble import Ensemble
from ._front_end import FrontEnd
from ._network import RecurrentNet
from ._recurrence import LoopRecurrence, _OutputOnly

__all__ = [
    "CategoricalEmbedding",
    "Ensemble",
    "FrontEnd",
    "LoopRecurrence",
    "MaskedBatchNorm",
    "RecurrentNet",
    "_OutputOnly",
]
