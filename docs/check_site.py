"""Check the built documentation as a reader meets it.

1. Every internal link and image of every page resolves: the file exists and,
   for ``page.html#anchor``, the anchor is an id in that page.
2. A headless Chromium opens the landing page, an API page and a gallery page:
   each renders with a title, a body of text and every image loaded (the
   gallery page with its figure), and a screenshot of each is written beside
   the site (``_build/screenshots``) for a person to look at.

Run after the build: ``python docs/check_site.py docs/_build/html``. Needs
Chromium and its driver (Debian: ``apt-get install chromium chromium-driver``)
and ``selenium``; exits non-zero with what is wrong.
"""

import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

PAGES = [
    ("index.html", 0),
    ("generated/sklearn_rnn.RNNRegressor.html", 0),
    ("auto_examples/plot_quickstart.html", 1),  # at least its figure
]


class _Page(HTMLParser):
    """The ids of a page and the internal links and images it holds."""

    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            target = attrs.get(key)
            if (
                target
                and _internal(target)
                and not (
                    tag == "link"
                    and key == "href"
                    and "stylesheet" not in attrs.get("rel", "")
                )
            ):
                self.links.append(target)


def _internal(target):
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not target.startswith("//")


def _parse(path, cache):
    if path not in cache:
        page = _Page()
        page.feed(path.read_text(errors="replace"))
        cache[path] = page
    return cache[path]


def broken_links(site, cache):
    """``[(page, link, why)]`` for every internal link that does not resolve."""
    broken = []
    for page_path in sorted(site.rglob("*.html")):
        if "_static" in page_path.parts:  # the theme's templates, not pages
            continue
        for link in _parse(page_path, cache).links:
            parts = urlsplit(link)
            target = page_path
            if parts.path:
                target = (page_path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append((page_path, link, "no such file"))
            elif parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in _parse(target, cache).ids:
                    broken.append((page_path, link, "no such anchor"))
    return broken


def gallery_without_figures(site, cache):
    """The gallery's example pages that show no figure of their example."""
    missing = []
    for page in sorted((site / "auto_examples").glob("plot_*.html")):
        figure = f"sphx_glr_{page.stem}_"
        sources = [s for s in _parse(page, cache).links if figure in s]
        if not any((page.parent / s).exists() for s in sources):
            missing.append(page.name)
    return missing


def render(site, out):
    """Open each page of ``PAGES`` in headless Chromium: ``[problems]``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chrome")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1280,1600",
        "--allow-file-access-from-files",
    ):
        options.add_argument(arg)
    service = Service(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    problems = []
    out.mkdir(parents=True, exist_ok=True)
    try:
        for name, min_figures in PAGES:
            driver.get((site / name).resolve().as_uri())
            state = driver.execute_script(
                "const imgs = Array.from(document.images);"
                "return {title: document.title,"
                " text: document.body.innerText.length,"
                " images: imgs.length,"
                " broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0))"
                "   .map(i => i.getAttribute('src')),"
                " figures: imgs.filter(i => i.src.includes('sphx_glr_')"
                "   && i.naturalWidth > 100).length};"
            )
            driver.save_screenshot(str(out / (Path(name).stem + ".png")))
            print(
                f"{name}: title {state['title']!r}, {state['text']} characters, "
                f"{state['images']} images, {state['figures']} gallery figures"
            )
            if not state["title"] or state["text"] < 500:
                problems.append(f"{name}: rendered empty ({state})")
            if state["broken"]:
                problems.append(f"{name}: images not loaded {state['broken']}")
            if state["figures"] < min_figures:
                problems.append(f"{name}: no figure rendered")
    finally:
        driver.quit()
    return problems


def main(site):
    site, cache = Path(site), {}  # each page parsed once, for both checks
    problems = [
        f"{p.relative_to(site)}: {link} ({why})"
        for p, link, why in broken_links(site, cache)
    ]
    pages = [p for p in site.rglob("*.html") if "_static" not in p.parts]
    print(f"{len(pages)} pages, {len(problems)} broken internal links")
    examples = len(list((site / "auto_examples").glob("plot_*.html")))
    bare = gallery_without_figures(site, cache)
    print(f"{examples} gallery pages, {len(bare)} without their figure")
    if not examples:
        problems.append("the gallery is empty")
    problems += [f"{name}: no figure of its example" for name in bare]
    problems += render(site, site.parent / "screenshots")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/_build/html"))
