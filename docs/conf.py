"""Sphinx configuration of sklearn-rnn's documentation site.

Build it with ``python -m sphinx -W -b html docs docs/_build/html`` (the README's
command). The user guide is its own files in ``docs/user_guide/``; the
benchmarks page is copied from ``benchmarks/README.md`` at build time
(``_benchmarks_page``), so its numbers live once; the gallery is rendered from
``examples/`` by sphinx-gallery, which runs every example.
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
exclude_patterns = ["_build", "**/GALLERY_HEADER.rst"]
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

# -- the benchmarks page, copied from the benchmarks README -------------------


def _benchmarks_page(app):
    """Write the benchmarks page into the docs source (ignored by git) before
    Sphinx reads it: the benchmarks README, its links to repository files
    shown as code (they are not pages of the site)."""
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
    app.connect("builder-inited", _benchmarks_page)
    app.connect("autodoc-process-signature", _init_signature)
    os.environ.setdefault("MPLBACKEND", "Agg")
