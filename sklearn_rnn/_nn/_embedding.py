"""Learned embeddings of the categorical input columns."""

import torch
from torch import nn

__all__ = ["CategoricalEmbedding"]


class CategoricalEmbedding(nn.Module):
    """Replace the columns that hold category indices by learned embeddings.

    ``x`` holds, in the ``categorical`` columns, indices ``1..n`` of the
    categories seen in training and 0 for any other code (the estimators map
    the user's codes to them); index 0 is a fixed zero vector. The output is
    the numeric columns followed by each embedding, ``output_size`` wide.
    """

    def __init__(self, n_features, categorical, n_categories, dims):
        super().__init__()
        numeric = [j for j in range(n_features) if j not in set(categorical)]
        for name, columns in (("numeric", numeric), ("categorical", categorical)):
            index = torch.tensor(list(columns), dtype=torch.long)
            self.register_buffer(name, index, persistent=False)
        self.embeddings = nn.ModuleList(
            nn.Embedding(n + 1, d, padding_idx=0) for n, d in zip(n_categories, dims)
        )
        self.output_size = len(numeric) + sum(dims)

    def forward(self, x):
        codes = x.index_select(2, self.categorical).long()
        parts = [embed(codes[:, :, j]) for j, embed in enumerate(self.embeddings)]
        if len(self.numeric):
            parts.insert(0, x.index_select(2, self.numeric))
        return torch.cat(parts, 2) if len(parts) > 1 else parts[0]
