"""Docstrings: numpydoc-valid, literal, and the same wherever they are shared."""

import inspect

import pytest
from numpydoc.docscrape import ClassDoc
from numpydoc.validate import validate

import sklearn_rnn
from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    RNNTimestepClassifier,
    RNNTimestepRegressor,
    datasets,
)

# As scikit-learn's own docstring test: checks of style rather than content.
IGNORED = {
    "GL01",  # summary may start on the first line
    "GL02",
    "SA01",  # a See Also section is not required everywhere
    "ES01",  # an extended summary is not required
    "EX01",  # methods have no examples of their own
    "RT02",  # the return value may be named
    "SS05",  # summaries in the imperative mood are fine
    "PR02",  # skorch/sklearn-style keyword-only parameters
}


def _public_objects():
    for name in sklearn_rnn.__all__:
        cls = getattr(sklearn_rnn, name)
        yield f"sklearn_rnn.{name}", cls
        for attr, member in inspect.getmembers(cls, inspect.isfunction):
            if not attr.startswith("_") and member.__module__.startswith("sklearn_rnn"):
                yield f"sklearn_rnn.{name}.{attr}", member
    for name in datasets.__all__:
        yield f"sklearn_rnn.datasets.{name}", getattr(datasets, name)


@pytest.mark.parametrize(
    "name, obj", list(_public_objects()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_docstring_is_valid_numpydoc(name, obj):
    result = validate(name)
    errors = [(code, msg) for code, msg in result["errors"] if code not in IGNORED]
    assert not errors, "\n".join(f"{c}: {m}" for c, m in errors)


OWN = (
    {"loss", "quantile", "normalize_y"},
    {"class_weight"},
)  # the regressor's, the classifier's
# Shared parameters whose default was measured per task (their descriptions say
# why), as RandomForestClassifier's and RandomForestRegressor's max_features.
PER_TASK_DEFAULTS = {"conv_filters"}
# Shared parameters that do more for one task (the regressor's 'auto' early
# stopping below 1,000 sequences), and fitted attributes of one task only.
PER_TASK_DESCRIPTIONS = {"early_stopping"}
OWN_ATTRIBUTES = (
    {"shrinkage_", "linear_share_", "linear_steps_"},
    {"classes_"},
)  # the regressor's, the classifier's


def test_shared_parameters_have_the_same_defaults_and_descriptions():
    reg = set(inspect.signature(RNNRegressor).parameters)
    clf = set(inspect.signature(RNNClassifier).parameters)
    shared = sorted(reg & clf)
    assert reg - clf == OWN[0] and clf - reg == OWN[1]
    reg_sig = inspect.signature(RNNRegressor).parameters
    clf_sig = inspect.signature(RNNClassifier).parameters
    same = [n for n in shared if n not in PER_TASK_DEFAULTS]
    assert {n: reg_sig[n].default for n in same} == {
        n: clf_sig[n].default for n in same
    }
    reg_doc = {p.name: p for p in ClassDoc(RNNRegressor)["Parameters"]}
    clf_doc = {p.name: p for p in ClassDoc(RNNClassifier)["Parameters"]}
    for name in set(same) - PER_TASK_DESCRIPTIONS:
        assert reg_doc[name] == clf_doc[name], name
    for name in PER_TASK_DESCRIPTIONS:
        assert reg_doc[name] != clf_doc[name], name
    for name in PER_TASK_DEFAULTS:
        assert reg_sig[name].default != clf_sig[name].default, name
    reg_attrs = {p.name: p for p in ClassDoc(RNNRegressor)["Attributes"]}
    clf_attrs = {p.name: p for p in ClassDoc(RNNClassifier)["Attributes"]}
    assert set(reg_attrs) - set(clf_attrs) == OWN_ATTRIBUTES[0]
    assert set(clf_attrs) - set(reg_attrs) == OWN_ATTRIBUTES[1]
    for name in set(reg_attrs) - OWN_ATTRIBUTES[0]:
        assert reg_attrs[name] == clf_attrs[name], name


@pytest.mark.parametrize(
    "Est", [RNNRegressor, RNNClassifier, RNNTimestepRegressor, RNNTimestepClassifier]
)
def test_docstrings_are_literal_source(Est):
    """help() and IDEs read the source: no docstring is assembled at import."""
    source = inspect.getsource(Est)
    assert inspect.cleandoc(Est.__doc__).splitlines()[0] in source
    for method in ("fit", "partial_fit", "predict"):
        doc = getattr(Est, method).__doc__
        assert "<X>" not in doc
        assert inspect.cleandoc(doc).splitlines()[-1] in source


def test_x_description_says_what_the_contract_says():
    doc = inspect.getdoc(RNNRegressor.fit)
    assert "NaN in every feature are padding" in doc
    assert "at its start" in doc


@pytest.mark.parametrize(
    "Est, Base",
    [(RNNTimestepRegressor, RNNRegressor), (RNNTimestepClassifier, RNNClassifier)],
)
def test_per_step_estimators_share_their_parameters_and_descriptions(Est, Base):
    params = set(inspect.signature(Est).parameters)
    sequence_only = {"pooling", "downsample", "conv_pool"}
    assert params == set(inspect.signature(Base).parameters) - sequence_only
    doc = {p.name: p for p in ClassDoc(Est)["Parameters"]}
    base_doc = {p.name: p for p in ClassDoc(Base)["Parameters"]}
    assert set(doc) == params
    # warm_start lists the architecture parameters, which differ; the
    # validation split of early_stopping is by sequence, never stratified.
    for name in params - {"warm_start", "early_stopping", *PER_TASK_DEFAULTS}:
        assert doc[name] == base_doc[name], name
    early_stopping = " ".join(doc["early_stopping"].desc)
    assert "stratified for classifiers" not in early_stopping
    assert "not stratified" in early_stopping
    attrs = {p.name: p for p in ClassDoc(Est)["Attributes"]}
    base_attrs = {p.name: p for p in ClassDoc(Base)["Attributes"]}
    # The sequence regressor's 'auto' early stopping only.
    own = {"shrinkage_", "linear_share_", "linear_steps_"}
    assert set(attrs) == set(base_attrs) - {"downsample_"} - own
    for name in set(attrs) - {"module_"}:
        assert attrs[name] == base_attrs[name], name
