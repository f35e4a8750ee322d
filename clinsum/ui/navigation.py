"""The app's navigation: one ``st.Page`` per script in ``clinsum/ui/pages/`` (``NN_name.py``,
titled ``nav.<name>``), routed by ``Home.py`` through ``st.navigation``.

The folder is not beside ``Home.py``, so Streamlit's own ``pages/`` folder navigation never
starts: a deep link as a server's first request gets this navigation too.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from clinsum.ui.frame import t

PAGES_DIR = Path(__file__).resolve().parent / "pages"


def page_files() -> list[Path]:
    """The page scripts, in menu order (``NN_name.py``)."""
    return sorted(PAGES_DIR.glob("[0-9]*_*.py"))


def named_pages() -> list[tuple[str, object]]:
    """(name, ``st.Page``) for each page script, titled ``nav.<name>``."""
    pages = []
    for path in page_files():
        name = path.stem.split("_", 1)[1]
        pages.append((name, st.Page(str(path), title=t(f"nav.{name}"), url_path=name,
                                    default=name == "home")))
    return pages


def navigation_pages() -> list:
    """The ``st.Page`` of every page, in file order."""
    return [page for _name, page in named_pages()]


def run_app() -> None:
    """Route to the requested page through the app's ``st.navigation`` (``Home.py``)."""
    st.navigation(navigation_pages()).run()


def demo_tour() -> None:
    """Where to start on the demo workspace: three pages that open on content, and a note
    that everything there is synthetic demo data."""
    st.subheader(t("home.try_first"))
    st.caption(t("home.demo_data"))
    by_name = dict(named_pages())
    for name in ("compare", "explorer", "annotate"):
        if name in by_name:
            st.page_link(by_name[name], label=t(f"home.try.{name}"))
