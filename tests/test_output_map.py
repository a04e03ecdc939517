"""The output maps: raw network outputs to predictions, and how members combine."""

import numpy as np
import pytest
import torch

from sklearn_rnn._nn._output_map import ClassificationMap, RegressionMap


@pytest.mark.parametrize(
    "loss, n_quantiles", [("squared_error", 1), ("poisson", 1), ("quantile", 3)]
)
def test_combined_outputs_predict_the_members_mean_prediction(loss, n_quantiles):
    """Over raw outputs from tiny to large (quantile steps whose softplus
    underflows, or exceeds what float32's exp holds), in float32 as the
    network runs."""
    rng = np.random.RandomState(0)
    raw = rng.normal(scale=3, size=(4, 50, 2 * n_quantiles))
    raw[:, :5] *= 40  # steps of softplus(-120) and of 120
    if loss == "poisson":
        raw = raw / 10  # rates up to e**36
    outputs = torch.from_numpy(raw).float()
    output_map = RegressionMap(loss, n_quantiles, [2.0, 0.5], [10.0, -1.0])
    combined = output_map.predict(output_map.combine(outputs))
    each = torch.stack([output_map.predict(o) for o in outputs]).mean(0)
    np.testing.assert_allclose(combined, each, rtol=2e-6, atol=1e-5)


def test_classification_labels_read_the_probabilities():
    raw = torch.tensor([[2.0, -1.0, 0.5], [-3.0, 0.0, 4.0]])
    multiclass = ClassificationMap(False, np.array(["a", "b", "c"]))
    assert multiclass.labels(raw).tolist() == ["a", "c"]
    multilabel = ClassificationMap(True)
    assert multilabel.labels(raw).tolist() == [[1, 0, 1], [0, 0, 1]]
