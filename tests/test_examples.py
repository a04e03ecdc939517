"""Every example runs headless and writes its figure; every code block of the
README, the landing page and the user guide runs."""

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


def _python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), re.S)


# Pages whose blocks build on each other run in order in their own tests:
# faq.md and forecasting.md below, forecasting_libraries.md in
# tests/test_forecasting_libraries.py, larger_data.md (its memmap and
# partial_fit blocks; the torchrun script and the Dask search run elsewhere)
# in tests/test_larger_data.py.
IN_ORDER = {"faq.md", "forecasting_libraries.md", "forecasting.md", "larger_data.md"}
PAGES = [
    ROOT / "README.md",
    ROOT / "docs" / "index.md",
    *sorted(
        page
        for page in (ROOT / "docs" / "user_guide").glob("*.md")
        if page.name not in IN_ORDER
    ),
]


def _page_blocks():
    """``{id: code}`` for every block of ``PAGES``; a block the landing page
    repeats from the README runs once, under the README's name."""
    blocks = {}
    for page in PAGES:
        for index, code in enumerate(_python_blocks(page)):
            if code not in blocks.values():
                blocks[f"{page.relative_to(ROOT)}:{index}"] = code
    return blocks


PAGE_BLOCKS = _page_blocks()


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


def test_the_pages_hold_their_blocks():
    """Moving text between pages keeps its code: the README's quick start and
    tour, and the user guide's blocks that came from the README."""
    per_page = {}
    for name in PAGE_BLOCKS:
        page = name.rsplit(":", 1)[0]
        per_page[page] = per_page.get(page, 0) + 1
    assert per_page["README.md"] == 3
    assert sum(per_page.values()) == 14, per_page


@pytest.mark.parametrize("name", list(PAGE_BLOCKS))
def test_page_code_block_runs_alone_as_a_script(name, tmp_path):
    """Each block, pasted alone into a fresh file, runs (the Dask one too) and
    prints no warning: a user who copies it sees none they did not cause."""
    stem = re.sub(r"\W", "_", name)
    _, stderr = _run_alone(PAGE_BLOCKS[name], tmp_path, stem)
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


def test_the_forecasting_page_runs_in_order_without_warnings(tmp_path):
    page = (ROOT / "docs" / "user_guide" / "forecasting.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) == 3  # the tour, a grid search, the ONNX export
    _, stderr = _run_alone("\n".join(blocks), tmp_path, "forecasting")
    assert "Warning" not in stderr, stderr[-3000:]
