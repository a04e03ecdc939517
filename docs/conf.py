"""Sphinx configuration of sklearn-rnn's documentation site.

Build it with ``python -m sphinx -W -b html docs docs/_build/html`` (the README's
command). The user guide's pages are cut from the README's sections at build
time (``_readme_pages``), so the text and its numbers live once; the gallery is
rendered from ``examples/`` by sphinx-gallery, which runs every example.
"""

import inspect
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from numpydoc.xref import DEFAULT_LINKS  # noqa: E402

import sklearn_rnn  # noqa: E402

project = "sklearn-rnn"
author = "the sklearn-rnn developers"
copyright = "2026, the sklearn-rnn developers"
release = sklearn_rnn.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "**/GALLERY_HEADER.rst", "_quickstart.md"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_default_options = {"inherited-members": False}
# numpydoc lists the methods; autosummary's own member tables would repeat them.
numpydoc_show_class_members = False
# Types are text: shapes such as ``(n_channels_in_,)`` are not links.
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
# numpydoc's aliases point into other projects' inventories, which the build
# does not fetch (it runs offline): each names its type, without a link.
numpydoc_xref_aliases = {name: f":obj:`{name}`" for name in DEFAULT_LINKS}
# The docstrings' cross-references to private helpers render as code.
nitpicky = False

myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence"]

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-rnn {release}"
html_theme_options = {
    "navbar_end": ["navbar-icon-links"],
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_static_path = []
html_show_sourcelink = False

# Examples run in full, as a user runs them; SKLEARN_RNN_DOCS_QUICK=1 (CI) makes
# them train for fewer epochs (see examples/_sizes.py).
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "reset_modules": ("matplotlib",),
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "auto_examples/backreferences",
    "doc_module": ("sklearn_rnn",),
}

# -- the user guide, cut from the README --------------------------------------

# Each page: (file, title, the README's headings whose sections it takes).
README_PAGES = [
    ("estimators", "The estimators", ["Estimators"]),
    ("sequences", "Sequences in", ["Sequences in"]),
    ("preprocessing", "Preprocessing sequences", ["Preprocessing sequences"]),
    (
        "search",
        "Pipelines, grid search and Dask",
        ["Pipelines and grid search", "Scale out on a Dask cluster"],
    ),
    (
        "streaming",
        "Data as it arrives, live sequences and explanations",
        ["Data as it arrives", "Live sequences and explanations"],
    ),
    ("intervals", "Prediction intervals", ["Prediction intervals"]),
    ("serving", "Saving, loading, exporting, serving", ["Save, load, export"]),
    ("speed", "Speed and threads", ["Speed", "Threads"]),
    ("accuracy", "Accuracy", ["Accuracy"]),
    ("errors", "Bad input", ["Bad input"]),
    ("comparison", "How it compares", ["How it compares"]),
    ("development", "Development", ["Development"]),
]


def _sections(text):
    """The README's sections by heading: ``{heading: (level, body)}``."""
    out, fence = {}, False
    current, level, lines = None, 0, []
    for line in text.splitlines():
        if line.startswith("```"):
            fence = not fence
        match = None if fence else re.match(r"^(#{2,3}) (.+)$", line)
        if match:
            if current:
                out[current] = (level, "\n".join(lines))
            current, level, lines = match.group(2), len(match.group(1)), []
        elif current:
            lines.append(line)
    out[current] = (level, "\n".join(lines))
    return out


def _links(text, depth):
    """The README's links made right for a page ``depth`` folders down: examples
    to their gallery page, the benchmarks README to its page, images to the
    docs folder, other repository files to plain code."""
    up = "../" * depth

    def link(match):
        label, target = match.group(1), match.group(2)
        if re.match(r"^[a-z]+://", target) or target.startswith("#"):
            return match.group(0)
        path, _, anchor = target.partition("#")
        anchor = f"#{anchor}" if anchor else ""
        if path.startswith("examples/plot_") and path.endswith(".py"):
            name = Path(path).stem
            return f"[{label}]({up}auto_examples/{name}.rst)"
        if path == "benchmarks/README.md":
            return f"[{label}]({up}benchmarks.md{anchor})"
        if path.startswith("docs/"):
            return f"[{label}]({up}{path[len('docs/') :]})"
        return f"{label} (`{path}`)" if label.strip("`") != path else f"`{path}`"

    return re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", link, text)


def _images(text, depth):
    up = "../" * depth
    return re.sub(r"!\[([^\]]*)\]\(docs/([^)]+)\)", rf"![\1]({up}\2)", text)


def _readme_pages(app):
    """Write the user guide's README pages, and the benchmarks page, into the
    docs source (ignored by git) before Sphinx reads it."""
    sections = _sections((ROOT / "README.md").read_text())
    folder = HERE / "user_guide" / "readme"
    folder.mkdir(exist_ok=True)
    quick = ["## Quick start\n", sections["Quick start"][1]]
    quick += ["### Coming from Keras\n", sections["Coming from Keras"][1]]
    _write(HERE / "_quickstart.md", _links(_images("\n".join(quick), 0), 0))
    for name, title, headings in README_PAGES:
        parts = [f"# {title}\n"]
        for heading in headings:
            level, body = sections[heading]
            if len(headings) > 1:
                parts.append(f"## {heading}\n")
            body = re.sub(r"^####? ", "### ", body, flags=re.M) if level == 2 else body
            parts.append(_links(_images(body, 2), 2))
        _write(folder / f"{name}.md", "\n".join(parts))
    bench = (ROOT / "benchmarks" / "README.md").read_text()
    bench = re.sub(
        r"\]\((?!https?://|#)([^)\s]+)\)", lambda m: f"](`{m.group(1)}`)", bench
    )
    bench = re.sub(r"\[([^\]]+)\]\(`([^`]+)`\)", r"\1 (`\2`)", bench)
    _write(HERE / "benchmarks.md", bench)


def _write(path, text):
    if not path.exists() or path.read_text() != text:  # keep Sphinx's cache
        path.write_text(text)


def _init_signature(app, what, name, obj, options, signature, return_annotation):
    """A class's signature is its ``__init__``'s: the estimators' ``__new__``
    (which names Keras' parameters in its errors) takes ``*args, **kwargs``."""
    if what == "class" and "__init__" in vars(obj):
        params = list(inspect.signature(obj.__init__).parameters.values())[1:]
        return str(inspect.Signature(params)), return_annotation
    return None


def setup(app):
    app.connect("builder-inited", _readme_pages)
    app.connect("autodoc-process-signature", _init_signature)
    os.environ.setdefault("MPLBACKEND", "Agg")
