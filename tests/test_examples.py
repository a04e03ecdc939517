"""Every example runs headless and writes its figure; every README code block runs."""

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))


# CI builds the documentation first, whose gallery runs every example and whose
# check (docs/check_site.py) finds each one's figures; it then sets this.
BUILT = os.environ.get("SKLEARN_RNN_EXAMPLES_BUILT") == "1"


@pytest.mark.skipif(BUILT, reason="the docs gallery of this run ran the examples")
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_and_saves_its_figure(path, tmp_path, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")
    figures = list(tmp_path.glob("*.png"))
    assert figures and all(f.stat().st_size > 1000 for f in figures)
    import matplotlib.pyplot as plt

    plt.close("all")


README_BLOCKS = re.findall(
    r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S
)


def _run_alone(code, tmp_path, name):
    """``code`` in a fresh file and a fresh interpreter: (stdout, stderr)."""
    script = tmp_path / f"{name}.py"
    script.write_text("import torch\ntorch.set_num_threads(1)\n" + code)
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, result.stderr


@pytest.mark.parametrize("index", range(len(README_BLOCKS)))
def test_readme_code_block_runs_alone_as_a_script(index, tmp_path):
    """Each block, pasted alone into a fresh file, runs (the Dask one too) and
    prints no warning: a user who copies it sees none they did not cause."""
    _, stderr = _run_alone(README_BLOCKS[index], tmp_path, f"block_{index}")
    assert "Warning" not in stderr, stderr[-3000:]


def test_the_user_guide_answers_run_in_order_without_warnings(tmp_path):
    """The code blocks of the guide's tutorial questions, one script: each
    answer prints what it claims (a chosen parameter, a score, a shape)."""
    page = (ROOT / "docs" / "user_guide" / "faq.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) == 12
    stdout, stderr = _run_alone("\n".join(blocks), tmp_path, "faq")
    assert "Warning" not in stderr, stderr[-3000:]
    claims = (
        "hidden units:",
        "activation:",
        "R² after PCA",
        "categories",
        "five averaged:",
    )
    for claim in claims:
        assert claim in stdout
