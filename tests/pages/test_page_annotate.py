"""The annotation page through Streamlit's AppTest on a demo workspace."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from clinsum import annotation as A
from clinsum.annotation import annotators, assignment
from clinsum.errors import InputError
from clinsum.store import Store
from tests.conftest import PAGES

TIMEOUT = 90


@pytest.fixture
def ws(demo_workspace, monkeypatch) -> Store:
    monkeypatch.setattr(annotators, "read_secrets", lambda: {})
    return Store.open(demo_workspace)


@pytest.fixture
def app(page_app, ws):
    """``app(annotator="ana")``: the page on the demo workspace as a fresh session."""
    def make(annotator: str | None = "ana") -> AppTest:
        query = {"annotator": annotator} if annotator else {}
        return page_app("70_annotate.py", ws.root, timeout=TIMEOUT, **query)
    return make


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def first_item(ws: Store, who: str = "ana") -> str:
    return next(i["item_id"] for i in A.queue(ws, who) if i["state"] != "done")


def test_annotator_chosen_at_first_use_and_remembered(app, ws):
    at = app(None)
    assert_clean(at)
    at.text_input[0].input("ana")
    at.button[0].click().run()  # the form's submit button sends the typed name
    assert_clean(at)
    assert at.query_params["annotator"] == "ana"
    assert "ana" in [a["name"] for a in annotators.list_annotators(ws)]
    assert at.selectbox(key="annotate.item.pick").value == first_item(ws)
    again = app("ana")  # a new tab with the remembered name: straight to the queue
    assert_clean(again)
    assert again.selectbox(key="annotate.item.pick").value == first_item(ws)


def test_autosave_restores_work_after_restart(app, ws):
    at = app()
    assert_clean(at)
    item = at.selectbox(key="annotate.item.pick").value
    at.radio(key=f"annotate.r.{item}.accuracy").set_value(4).run()
    at.radio(key=f"annotate.r.{item}.clarity").set_value(2).run()
    at.text_area(key=f"annotate.r.{item}.comment").input("Falta la dosis.").run()
    assert_clean(at)
    draft = A.load_draft(ws, "ana", "reference", item)
    assert draft["scores"]["accuracy"] == 4 and draft["comment"] == "Falta la dosis."
    restarted = app()  # a fresh session: closed tab or server restart
    assert_clean(restarted)
    assert restarted.selectbox(key="annotate.item.pick").value == item
    assert restarted.radio(key=f"annotate.r.{item}.accuracy").value == 4
    assert restarted.radio(key=f"annotate.r.{item}.clarity").value == 2
    assert restarted.text_area(key=f"annotate.r.{item}.comment").value == "Falta la dosis."


def test_review_submit_edit_span_and_low_score_needs_comment(app, ws):
    at = app()
    item = at.selectbox(key="annotate.item.pick").value
    ref_text = ws.scalar("SELECT text FROM reference_summaries WHERE id = ?", [item])
    quote = ref_text.split()[0]
    at.text_input(key=f"annotate.r.{item}.quote").input(quote).run()
    at.selectbox(key=f"annotate.r.{item}.etype").set_value("wrong_dose").run()
    at.button(key=f"annotate.r.{item}.add").click().run()
    assert_clean(at)
    assert A.load_draft(ws, "ana", "reference", item)["spans"][0]["quote"] == quote
    for name, value in (("accuracy", 2), ("clarity", 4), ("completeness", 4)):
        at.radio(key=f"annotate.r.{item}.{name}").set_value(value).run()
    at.radio(key=f"annotate.r.{item}.verdict").set_value("accept_edits").run()
    at.text_area(key=f"annotate.r.{item}.edited").input(ref_text + " Revisado.").run()
    at.button(key=f"annotate.r.{item}.submit").click().run()
    assert not at.exception
    assert any("comment is required" in e.value for e in at.error)  # low score, no comment
    assert A.get_annotation(ws, "reference", item, "ana") is None
    at.text_area(key=f"annotate.r.{item}.comment").input("Dosis sin unidades.").run()
    at.button(key=f"annotate.r.{item}.submit").click().run()
    assert_clean(at)
    assert at.success
    saved = A.get_annotation(ws, "reference", item, "ana")
    assert saved["scores"] == {"accuracy": 2, "clarity": 4, "completeness": 4}
    assert saved["spans"][0]["type"] == "wrong_dose"
    edited = ws.fetch_one("SELECT * FROM reference_summaries WHERE id = ?", [saved["details"]["edited_ref_id"]])
    assert edited["parent_id"] == item and edited["text"].endswith("Revisado.")
    assert ws.scalar("SELECT text FROM reference_summaries WHERE id = ?", [item]) == ref_text
    assert A.load_draft(ws, "ana", "reference", item) is None


def speaks(at: AppTest, lang: str, ws: Store) -> None:
    """The page reads in ``lang``: translated table headers and values, no raw identifier."""
    from test_pages_i18n import problems, visible_texts

    known = {r[0] for r in ws.execute("SELECT id FROM records")} | {"ana", "luis"}
    found = problems(visible_texts(at), lang, known)
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_agreement_export_and_settings_sections(page_app, ws, lang):
    annotators.register(ws, "ana")
    annotators.register(ws, "luis")
    assignment.set_overlap(ws, 2)
    items = [i["item_id"] for i in A.queue(ws, "ana")][:3]
    for name, scores in (("ana", (4, 5, 3)), ("luis", (4, 4, 3))):
        for item, acc in zip(items, scores, strict=True):
            A.submit_review(ws, name, item, scores={"accuracy": acc, "clarity": 4, "completeness": 4},
                            verdict="accept")
    at = page_app("70_annotate.py", ws.root, lang=lang, timeout=TIMEOUT, annotator="ana")
    at.radio(key="annotate.section").set_value("agreement").run()
    assert_clean(at)
    assert len(at.dataframe) == 3  # progress, across all, per pair
    headers = {c for d in at.dataframe for c in d.value.columns}
    assert ("Annotator A" if lang == "en" else "Anotador A") in headers, headers
    speaks(at, lang, ws)
    at.radio(key="annotate.section").set_value("export").run()
    assert_clean(at)
    assert lang != "en" or any("24 row(s)" in c.value for c in at.caption)
    at.radio(key="annotate.section").set_value("settings").run()
    speaks(at, lang, ws)
    at.number_input(key="annotate.overlap").set_value(3).run()
    at.button(key="annotate.overlap_save").click().run()
    assert_clean(at)
    assert assignment.get_overlap(ws) == 3


def test_blinded_pairwise_section(app, ws):
    record_id = ws.scalar("SELECT id FROM records ORDER BY id LIMIT 1")
    ws.execute("INSERT INTO generations (id, record_id, backend, strategy, text) VALUES"
               " ('gen-a', ?, 'x', 'y', 'Resumen <b>generado</b>.')", [record_id])
    at = app()
    at.radio(key="annotate.section").set_value("pairwise").run()
    assert_clean(at)
    assert at.info  # nothing to compare yet, and the page says how to get there
    at.radio(key="annotate.section").set_value("settings").run()
    at.button(key="annotate.make_pairs").click().run()
    assert_clean(at)
    at.radio(key="annotate.section").set_value("pairwise").run()
    pair_id = at.selectbox(key="annotate.pair.pick").value
    assert any("&lt;b&gt;generado" in m.value for m in at.markdown)  # model text is escaped
    for name in ("accuracy", "clarity", "completeness", "overall"):
        at.radio(key=f"annotate.p.{pair_id}.{name}").set_value(1).run()
    at.button(key=f"annotate.p.{pair_id}.submit").click().run()
    assert_clean(at)
    (pref,) = A.preferences(ws)
    swapped = ws.scalar("SELECT swapped FROM pairwise_items WHERE id = ?", [pair_id])
    assert pref["b_better"]["overall"] == (-1 if swapped else 1)


BEACON_TITLE = "![t](http://127.0.0.1:9/beacon.png) <img src=x> [link](http://x) **bold**"
SUMMARIES = ("Resumen uno del alta.", "Resumen dos del alta.", "Resumen tres del alta.")


def three_comparisons(ws: Store) -> list[str]:
    """A record with three generations: three blinded comparisons with the same title."""
    ws.execute("INSERT INTO records (id, source, language, title, text, content_hash) VALUES"
               " ('rec-pw', 'text', 'es', ?, 'Paciente con neumonía. Alta con amoxicilina.', 'h-pw')",
               [BEACON_TITLE])
    for n, text in enumerate(SUMMARIES):
        ws.execute("INSERT INTO generations (id, record_id, backend, strategy, text, created_at) VALUES"
                   " (?, 'rec-pw', 'x', 'y', ?, now() + ?::INTEGER * INTERVAL 1 SECOND)",
                   [f"gen-pw{n}", text, n])
    assert A.create_pairs(ws, "generations", ["rec-pw"], seed=3) == 3
    annotators.register(ws, "ana")
    return [i["item_id"] for i in A.queue(ws, "ana", "pairwise")]


def shown_pair(at: AppTest) -> tuple[str, str]:
    """The (left, right) summaries drawn on the page, as the doctor sees them."""
    boxes = [m.value for m in at.markdown if "Resumen " in m.value and "<div" in m.value]
    texts = [next(t for t in SUMMARIES if t in box) for box in boxes]
    assert len(texts) == 2, boxes
    return texts[0], texts[1]


def test_pairwise_comparison_keeps_its_identity_and_exports_as_given(app, ws):
    pairs = three_comparisons(ws)
    at = app()
    at.radio(key="annotate.section").set_value("pairwise").run()
    assert_clean(at)
    labels = at.selectbox(key="annotate.pair.pick").options
    assert len(set(labels)) == len(labels) == 3  # comparisons of one record are told apart
    given = {pairs[1]: 2, pairs[2]: -1, pairs[0]: 1}
    seen = {}
    for pair_id, overall in given.items():
        at.selectbox(key="annotate.pair.pick").set_value(pair_id).run()
        seen[pair_id] = shown_pair(at)
        for name in ("accuracy", "clarity", "completeness", "overall"):  # one click, one rerun
            at.radio(key=f"annotate.p.{pair_id}.{name}").set_value(overall if name == "overall" else 0).run()
            assert_clean(at)
            assert at.selectbox(key="annotate.pair.pick").value == pair_id  # never re-drawn
            assert shown_pair(at) == seen[pair_id]  # the same two summaries, same sides
        draft = A.load_draft(ws, "ana", "pairwise", pair_id)
        assert draft["scores"] == {"accuracy": 0, "clarity": 0, "completeness": 0, "overall": overall}
        at.button(key=f"annotate.p.{pair_id}.submit").click().run()
        assert_clean(at)
        assert at.success
    assert {a["item_id"]: a["scores"]["overall"] for a in A.list_annotations(ws, "pairwise")} == given
    again = app()  # a new session shows each comparison in the same order
    again.radio(key="annotate.section").set_value("pairwise").run()
    for pair_id in pairs:
        again.selectbox(key="annotate.pair.pick").set_value(pair_id).run()
        assert shown_pair(again) == seen[pair_id]
    exported = {r["item_id"]: r for r in A.dpo_rows(ws)}
    assert set(exported) == set(given)
    for pair_id, overall in given.items():
        left, right = seen[pair_id]
        chosen, rejected = (right, left) if overall > 0 else (left, right)
        row = exported[pair_id]
        assert (row["chosen"], row["rejected"], row["margin"], row["n_annotators"]) == (
            chosen, rejected, abs(overall), 1)


def test_pairwise_submit_refuses_ratings_given_on_another_order(ws):
    pair_id = three_comparisons(ws)[0]
    pair = A.get_pair(ws, pair_id)
    scores = {"accuracy": 1, "clarity": 1, "completeness": 1, "overall": 1}
    with pytest.raises(InputError, match="another pair"):
        A.submit_pairwise(ws, "ana", pair_id, scores, shown=[pair["right"]["id"], pair["left"]["id"]])
    assert A.list_annotations(ws, "pairwise") == []
    A.submit_pairwise(ws, "ana", pair_id, scores, shown=[pair["left"]["id"], pair["right"]["id"]])
    assert len(A.list_annotations(ws, "pairwise")) == 1


def test_password_required_when_configured(app, ws, monkeypatch):
    monkeypatch.setattr(annotators, "read_secrets", lambda: {"annotators": {"ana": "pw"}})
    at = app("ana")  # the remembered name alone is not enough
    assert_clean(at)
    assert len(at.text_input) == 2
    at.text_input[1].input("wrong")
    at.button[0].click().run()
    assert not at.exception and at.error
    at.text_input[1].input("pw")
    at.button[0].click().run()
    assert_clean(at)
    assert at.selectbox(key="annotate.item.pick").value


def test_failed_autosave_is_a_warning_not_a_traceback(app, ws, monkeypatch):
    from clinsum.annotation import drafts
    from clinsum.errors import WorkspaceBusy

    at = app()
    item = at.selectbox(key="annotate.item.pick").value

    def busy(*args, **kwargs):
        raise WorkspaceBusy("The workspace stayed busy.")

    monkeypatch.setattr(drafts, "save_draft", busy)
    at.radio(key=f"annotate.r.{item}.accuracy").set_value(3).run()
    assert_clean(at)
    assert any("stayed busy" in w.value for w in at.warning)
    assert at.radio(key=f"annotate.r.{item}.accuracy").value == 3  # kept in the tab


def test_every_string_exists_in_both_languages():
    import re

    from clinsum.annotation import assignment, pairwise, rubric
    from clinsum.ui.i18n import catalog

    ui_dir = PAGES.parent
    source = "".join(p.read_text(encoding="utf-8") for p in
                     (PAGES / "70_annotate.py", ui_dir / "annotate_view.py", ui_dir / "annotate_admin.py"))
    keys = set(re.findall(r'ui\.t\("(annotate\.[a-z_.]+)"', source)) | {"nav.annotate"}
    keys = {k for k in keys if not k.endswith(".")}  # prefixes of the dynamic keys below
    assert len(keys) > 30
    keys |= {f"annotate.state.{s}" for s in ("done", "draft", "todo")}
    keys |= {f"annotate.decision.{d}" for d in ("validated", "edited", "rejected", "undecided", "pending")}
    keys |= {f"annotate.kind.{k}" for k in assignment.ITEM_KINDS}
    keys |= {f"annotate.mode.{m}" for m in pairwise.MODES}
    keys |= {f"annotate.target.{t}" for t in ("reference", "record")}
    keys |= {f"annotate.tab.{s}" for s in ("review", "pairwise", "agreement", "export", "settings")}
    strings = catalog()
    assert sorted(k for k in keys if k not in strings) == []
    for key in keys:
        es, en = strings[key]
        assert es.strip() and en.strip()
    for pairs in (rubric.VERDICTS, rubric.ERROR_TYPES, rubric.SEVERITIES):
        assert all(es and en and es != key for key, (es, en) in pairs.items())
    assert all(c.guideline[0] and c.guideline[1] for c in rubric.PAIR_CRITERIA)


def test_progress_and_queue_labels_are_fresh_right_after_a_submit(app, ws):
    """#18: the progress line and the picker's "(draft)" mark were drawn before the submit ran
    and stayed stale until the next click."""
    at = app()
    item = at.selectbox(key="annotate.item.pick").value
    total = len(A.queue(ws, "ana"))
    for name in ("accuracy", "clarity", "completeness"):
        at.radio(key=f"annotate.r.{item}.{name}").set_value(4).run()
    at.radio(key=f"annotate.r.{item}.verdict").set_value("accept").run()
    picker = at.selectbox(key="annotate.item.pick")
    assert "(draft)" in picker.format_func(item)
    assert f"0 of {total} submitted" in at.get("progress")[0].proto.text
    at.button(key=f"annotate.r.{item}.submit").click().run()
    assert_clean(at)
    assert any("Review saved" in s.value for s in at.success)  # the message survives the rerun
    assert f"1 of {total} submitted" in at.get("progress")[0].proto.text
    label = at.selectbox(key="annotate.item.pick").format_func(item)
    assert "(submitted)" in label and "(draft)" not in label
