"""The dependency bounds in pyproject.toml are true of what the code uses.

scikit-learn's private names change without deprecation: each one imported by
the package is checked here (that it exists and takes the arguments we pass),
so that a release that drops or changes one fails this test before a user
does; the upper bound in pyproject.toml stops at the newest release tested.
"""

import inspect
import re
from importlib.metadata import requires, version

import torch
from packaging.requirements import Requirement
from packaging.version import Version


def _requirement(name):
    for text in requires("sklearn-rnn"):
        requirement = Requirement(text)
        if requirement.name == name and not requirement.marker:
            return requirement
    raise AssertionError(f"{name} is not a dependency")


def test_the_installed_versions_are_in_the_declared_ranges():
    for name in ("scikit-learn", "torch", "skorch", "numpy"):
        installed = Version(re.sub(r"\+.*", "", version(name)))
        assert installed in _requirement(name).specifier, name


def test_the_private_scikit_learn_names_used_exist_as_called():
    from sklearn.base import _fit_context
    from sklearn.utils._param_validation import (
        Interval,
        InvalidParameterError,
        StrOptions,
        validate_params,
    )
    from sklearn.utils.validation import _check_sample_weight

    assert issubclass(InvalidParameterError, ValueError)
    assert "prefer_skip_nested_validation" in inspect.signature(_fit_context).parameters
    assert {"ensure_non_negative", "dtype"} <= set(
        inspect.signature(_check_sample_weight).parameters
    )
    assert "closed" in inspect.signature(Interval).parameters
    assert StrOptions({"a"}).is_satisfied_by("a")
    assert (
        "prefer_skip_nested_validation" in inspect.signature(validate_params).parameters
    )


def test_fused_adam_runs_on_the_cpu_as_the_torch_bound_says():
    assert _requirement("torch").specifier.contains("2.4")
    assert not _requirement("torch").specifier.contains("2.3")
    weight = torch.nn.Parameter(torch.ones(3))
    optimizer = torch.optim.Adam([weight], lr=0.1, fused=True)
    weight.sum().backward()
    optimizer.step()
    assert torch.all(weight < 1)
