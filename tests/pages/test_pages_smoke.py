"""Every page renders on the demo workspace in both languages' default (English here), with no
exception and no error box: a page that a refactor broke is caught even where no flow test
goes."""

from __future__ import annotations

import pytest

from tests.conftest import PAGES

ALL_PAGES = ["Home.py", *sorted(p.name for p in PAGES.glob("[0-9][0-9]_*.py"))]


def test_the_page_list_is_complete():
    assert len(ALL_PAGES) >= 11 and "70_annotate.py" in ALL_PAGES


@pytest.mark.parametrize("page", ALL_PAGES)
def test_page_renders(page_app, module_demo_workspace, page):
    at = page_app(page, module_demo_workspace, annotator="ana")
    assert not at.error, [e.value for e in at.error]
    assert at.markdown or at.title or at.header  # it drew something
