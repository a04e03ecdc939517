"""The package's layers, as its folders show them, import only downwards:
the fitted-model tools on top (they save and load every estimator and
forecaster), then the forecasters and the estimators, then training, then the
torch network and the data contract, then the warnings helper."""

import ast
import pathlib

import pytest

import sklearn_rnn

PACKAGE = pathlib.Path(sklearn_rnn.__file__).parent
# What each layer may import from the package (besides itself).
ALLOWED = {
    "_warnings": set(),
    "_input": {"_warnings"},
    "_nn": {"_warnings"},
    "_training": {"_input", "_nn", "_warnings"},
    "preprocessing": {"_input", "_warnings"},
    "_estimators": {"_input", "_nn", "_training", "_warnings"},
    "_fitted": {
        "_estimators",
        "_input",
        "_nn",
        "_training",
        "_warnings",
        "forecasting",  # save and load forecasters too
        "preprocessing",
    },
    "forecasting": {"_estimators", "_input", "_warnings"},
}


def _layer(path):
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported_layers(path):
    """The top-level parts of the package that ``path`` imports."""
    depth = len(path.relative_to(PACKAGE).parts) - 1
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            module = (node.module or "").split(".")
            up = node.level - 1  # levels above the file's own folder
            if up < depth:  # within its own layer
                continue
            if module[0]:
                yield module[0]
            elif node.names[0].name != "__version__":  # the package's own
                yield node.names[0].name


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(PACKAGE.rglob("*.py")) if _layer(p) in ALLOWED],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_each_layer_imports_only_the_layers_below_it(path):
    layer = _layer(path)
    wrong = set(_imported_layers(path)) - ALLOWED[layer] - {layer}
    assert not wrong, f"{path.name} ({layer}) imports {sorted(wrong)}"


def test_only_the_estimators_know_where_targets_sit():
    """The target layout (one row per sequence or per step) is a strategy of
    the estimators: no other folder reads it."""
    for path in PACKAGE.rglob("*.py"):
        if _layer(path) != "_estimators":
            text = path.read_text()
            assert "._targets" not in text and "_per_step" not in text, path


def test_nothing_imports_the_network_from_its_0_3_module():
    """``_nn/_module.py`` only names the classes where 0.3's pickles look for
    them; the package imports each from the file named by what it holds."""
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").endswith("_module"), path
