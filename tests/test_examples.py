"""Every example runs headless and writes its figure; every README code block runs."""

import re
import runpy
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))


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


@pytest.mark.parametrize("index", range(len(README_BLOCKS)))
def test_readme_code_block_runs_alone_as_a_script(index, tmp_path):
    """Each block, pasted alone into a fresh file, runs (the Dask one too) and
    prints no warning: a user who copies it sees none they did not cause."""
    script = tmp_path / f"block_{index}.py"
    script.write_text("import torch\ntorch.set_num_threads(1)\n" + README_BLOCKS[index])
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Warning" not in result.stderr, result.stderr[-3000:]
