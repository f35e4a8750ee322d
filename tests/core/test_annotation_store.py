"""Annotation on a real workspace: identity, queue, reviews, edits, pairwise, drafts, exports,
agreement from stored reviews, concurrent annotators (threads and processes), and the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from clinsum import annotation as A
from clinsum.annotation import annotators, assignment, drafts, pairwise, report, reviews
from clinsum.cli import main as cli_main
from clinsum.errors import InputError
from clinsum.references import add_reference, get_reference
from clinsum.store import Store, new_id

ROOT = Path(__file__).resolve().parents[2]
NO_SECRETS: dict = {}
GOOD = {"accuracy": 4, "clarity": 5, "completeness": 4}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A small workspace: 6 records with one reference each, 2 generations on the first two."""
    root = tmp_path_factory.mktemp("template") / "ws"
    s = Store.open(root)
    with s.transaction() as con:
        for i in range(6):
            text = f"Paciente {i} con dolor torácico izquierdo. Se pauta enalapril 10 mg cada 12 h. No fiebre."
            con.execute("INSERT INTO records (id, source, language, title, text, content_hash) VALUES (?, 'test', 'es', ?, ?, ?)",
                        [f"rec{i}", f"Informe {i}", text, f"hash{i}"])
    for i in range(6):
        add_reference(s, f"rec{i}", f"Dolor torácico izquierdo; enalapril 10 mg/12 h (caso {i}).", status="draft")
    for i in range(2):
        for j in range(2):
            s.execute("INSERT INTO generations (id, record_id, backend, strategy, text) VALUES (?, ?, 'x', 'y', ?)",
                      [f"gen{i}{j}", f"rec{i}", f"Resumen generado {j} del caso {i}."])
    return root


@pytest.fixture
def ws(template, tmp_path) -> Store:
    target = tmp_path / "ws"
    shutil.copytree(template, target)
    return Store.open(target)


def item_of(s: Store, record_id: str) -> str:
    assignment.sync_reference_items(s)
    return s.scalar("SELECT item_id FROM annotation_items WHERE item_kind = 'reference' AND record_id = ?", [record_id])


# -- identity ---------------------------------------------------------------------------------
def test_passwords_checked_against_secrets(ws):
    secrets = {"annotators": {"ana": "s3cret", "luis": "x"}}
    assert annotators.passwords_required(secrets)
    assert annotators.sign_in(ws, "ana", "s3cret", secrets) == "ana"
    for name, pw in (("ana", "wrong"), ("ana", None), ("eve", "s3cret")):
        with pytest.raises(InputError):
            annotators.sign_in(ws, name, pw, secrets)
    names = [a["name"] for a in annotators.list_annotators(ws, secrets)]
    assert names == ["ana", "luis"]  # listed in secrets, registered even before first use
    assert annotators.sign_in(ws, "  pepe  ", secrets=NO_SECRETS) == "pepe"
    with pytest.raises(InputError):
        annotators.sign_in(ws, "<script>", secrets=NO_SECRETS)


# -- queue ------------------------------------------------------------------------------------
def test_overlap_assignment_is_deterministic_and_stable(ws):
    for name in ("ana", "luis", "eva"):
        annotators.register(ws, name)
    assignment.set_overlap(ws, 2)
    queues = {n: {i["item_id"] for i in A.queue(ws, n, secrets=NO_SECRETS)} for n in ("ana", "luis", "eva")}
    items = {i["item_id"] for i in assignment.current_items(ws, "reference")}
    assert len(items) == 6
    for item in items:  # every item seen by exactly k = 2 annotators
        assert sum(item in q for q in queues.values()) == 2
    assert queues == {n: {i["item_id"] for i in A.queue(ws, n, secrets=NO_SECRETS)} for n in queues}
    annotators.register(ws, "new")
    after = {n: {i["item_id"] for i in A.queue(ws, n, secrets=NO_SECRETS)} for n in ("ana", "luis", "eva", "new")}
    for item in items:  # a newcomer displaces at most one annotator per item
        assert sum(item in after[n] for n in ("ana", "luis", "eva")) >= 1
        assert sum(item in q for q in after.values()) == 2
    rows = {r["annotator"]: r for r in A.progress(ws, secrets=NO_SECRETS)}
    assert sum(r["assigned"] for r in rows.values()) == 12 and all(r["done"] == 0 for r in rows.values())
    with pytest.raises(InputError):
        assignment.set_overlap(ws, 0)


def test_progress_counts_submissions_and_drafts(ws):
    annotators.register(ws, "ana")
    assignment.set_overlap(ws, 1)
    mine = A.queue(ws, "ana", secrets=NO_SECRETS)
    assert len(mine) == 6 and {i["state"] for i in mine} == {"todo"}
    A.submit_review(ws, "ana", mine[0]["item_id"], scores=GOOD, verdict="accept")
    A.save_draft(ws, "ana", "reference", mine[1]["item_id"], {"comment": "a medias"})
    states = [i["state"] for i in A.queue(ws, "ana", secrets=NO_SECRETS)]
    assert states.count("done") == 1 and states.count("draft") == 1
    (row,) = A.progress(ws, secrets=NO_SECRETS)
    assert (row["assigned"], row["done"], row["drafts"], row["left"]) == (6, 1, 1, 5)


# -- reviews ----------------------------------------------------------------------------------
def test_upsert_one_submission_per_annotator_and_item(ws):
    item = item_of(ws, "rec0")
    A.submit_review(ws, "ana", item, scores=GOOD, verdict="accept")
    first = reviews.get_annotation(ws, "reference", item, "ana")
    A.submit_review(ws, "ana", item, scores={**GOOD, "clarity": 3}, verdict="accept", comment="más corto")
    rows = ws.fetch_dicts("SELECT * FROM annotations WHERE item_id = ?", [item])
    assert len(rows) == 1
    again = reviews.get_annotation(ws, "reference", item, "ana")
    assert again["id"] == first["id"] and again["scores"]["clarity"] == 3 and again["comment"] == "más corto"
    assert again["updated_at"] >= first["updated_at"]


def test_comment_required_when_low_or_rejected(ws):
    item = item_of(ws, "rec1")
    with pytest.raises(InputError, match="comment is required"):
        A.submit_review(ws, "ana", item, scores={**GOOD, "accuracy": 2}, verdict="accept")
    with pytest.raises(InputError, match="comment is required"):
        A.submit_review(ws, "ana", item, scores=GOOD, verdict="reject", comment="   ")
    with pytest.raises(InputError, match="score every criterion"):
        A.submit_review(ws, "ana", item, scores={"accuracy": 4}, verdict="accept")
    with pytest.raises(InputError, match="between 1 and 5"):
        A.submit_review(ws, "ana", item, scores={**GOOD, "clarity": 6}, verdict="accept")
    with pytest.raises(InputError, match="verdict"):
        A.submit_review(ws, "ana", item, scores=GOOD, verdict=None)
    assert ws.scalar("SELECT count(*) FROM annotations") == 0  # nothing half-written
    A.submit_review(ws, "ana", item, scores={**GOOD, "accuracy": 1}, verdict="reject", comment="dosis errónea")
    assert get_reference(ws, item)["status"] == "rejected"


def test_edit_is_a_new_version_and_the_original_is_kept(ws):
    item = item_of(ws, "rec2")
    original = get_reference(ws, item)
    with pytest.raises(InputError, match="accept with edits"):
        A.submit_review(ws, "ana", item, scores=GOOD, verdict="accept", edited_text="Otro texto.")
    with pytest.raises(InputError, match="differs"):
        A.submit_review(ws, "ana", item, scores=GOOD, verdict="accept_edits", edited_text=original["text"])
    result = A.submit_review(ws, "ana", item, scores=GOOD, verdict="accept_edits",
                             edited_text="Dolor torácico izquierdo; enalapril 10 mg cada 12 h.")
    edited = get_reference(ws, result["edited_ref_id"])
    assert edited["parent_id"] == item and edited["version"] == original["version"] + 1
    assert edited["provenance"]["source"] == "annotation" and edited["author"] == "ana"
    kept = get_reference(ws, item)
    assert kept["text"] == original["text"]
    assert (kept["status"], edited["status"]) == ("draft", "validated")  # edit validated
    # the same edit submitted again reuses its version; the queue keeps the reviewed version
    again = A.submit_review(ws, "ana", item, scores=GOOD, verdict="accept_edits", edited_text=edited["text"])
    assert again["edited_ref_id"] == edited["id"]
    assert ws.scalar("SELECT count(*) FROM reference_summaries WHERE record_id = 'rec2'") == 2
    assert item in {i["item_id"] for i in assignment.current_items(ws, "reference")}
    # two colleagues accept the original as it was: it is validated, the edit goes to draft,
    # and the fine-tuning dataset takes the version the reviewers chose
    A.submit_review(ws, "luis", item, scores=GOOD, verdict="accept")
    A.submit_review(ws, "eva", item, scores=GOOD, verdict="accept")
    assert (get_reference(ws, item)["status"], get_reference(ws, edited["id"])["status"]) == ("validated", "draft")
    from clinsum.finetune.datasets import examples_from_references

    chosen = {e.group: e for e in examples_from_references(ws)}["rec2"]
    assert chosen.messages[-1]["content"] == original["text"]


def test_status_follows_the_majority(ws):
    item = item_of(ws, "rec3")
    low = {**GOOD, "accuracy": 1}
    A.submit_review(ws, "ana", item, scores=GOOD, verdict="accept")
    assert get_reference(ws, item)["status"] == "validated"
    r = A.submit_review(ws, "luis", item, scores=low, verdict="reject", comment="inventa un dato")
    assert r["decision"] == "undecided" and get_reference(ws, item)["status"] == "draft"
    r = A.submit_review(ws, "eva", item, scores=low, verdict="reject", comment="fármaco erróneo")
    assert r["decision"] == "rejected" and get_reference(ws, item)["status"] == "rejected"
    A.submit_review(ws, "eva", item, scores=GOOD, verdict="accept")  # eva changes her mind
    assert get_reference(ws, item)["status"] == "validated"


def test_error_spans_by_quote_and_offsets(ws):
    item = item_of(ws, "rec4")
    ref = get_reference(ws, item)
    span = A.make_span(ref["text"], "wrong_dose", "major", quote="10 mg")
    assert ref["text"][span["start"]:span["end"]] == "10 mg" and span["quote"] == "10 mg"
    record = ws.scalar("SELECT text FROM records WHERE id = 'rec4'")
    omission = A.make_span(record, "omission", "minor", quote="No fiebre", target="record")
    A.submit_review(ws, "ana", item, scores=GOOD, verdict="accept",
                    spans=[span, omission, {"start": 0, "end": 5, "type": "laterality", "severity": "critical"}])
    stored = reviews.get_annotation(ws, "reference", item, "ana")["spans"]
    assert {(s["type"], s["target"], s["quote"]) for s in stored} == {
        ("wrong_dose", "reference", "10 mg"), ("omission", "record", "No fiebre"), ("laterality", "reference", "Dolor")}
    with pytest.raises(InputError, match="not found"):
        A.make_span(ref["text"], "negation", "minor", quote="ausente")
    with pytest.raises(InputError, match="occurrence 2"):
        A.make_span(ref["text"], "negation", "minor", quote="enalapril", occurrence=2)
    for bad in ({"start": 5, "end": 2, "type": "timing", "severity": "minor"},
                {"start": 0, "end": 2, "type": "typo", "severity": "minor"},
                {"start": 0, "end": 2, "type": "timing", "severity": "huge"}):
        with pytest.raises(InputError):
            A.submit_review(ws, "ana", item, scores=GOOD, verdict="accept", spans=[bad])


def test_drafts_saved_restored_and_cleared_on_submit(ws):
    item = item_of(ws, "rec5")
    A.save_draft(ws, "ana", "reference", item, {"scores": {"accuracy": 3}, "comment": "a"})
    A.save_draft(ws, "ana", "reference", item, {"scores": {"accuracy": 4}, "comment": "ab"})
    assert A.load_draft(ws, "ana", "reference", item) == {"scores": {"accuracy": 4}, "comment": "ab"}
    assert A.load_draft(ws, "luis", "reference", item) is None
    fresh = Store.open(ws.root)  # another server process opening the same workspace
    assert drafts.load_draft(fresh, "ana", "reference", item)["comment"] == "ab"
    A.submit_review(ws, "ana", item, scores=GOOD, verdict="accept")
    assert A.load_draft(ws, "ana", "reference", item) is None


# -- pairwise ---------------------------------------------------------------------------------
def test_pairwise_order_stored_and_undone_in_analysis(ws):
    assert A.create_pairs(ws, "reference_vs_generation", seed=3) == 4
    assert A.create_pairs(ws, "generations", seed=3) == 2
    orders = dict(ws.execute("SELECT id, swapped FROM pairwise_items"))
    assert A.create_pairs(ws, "reference_vs_generation", seed=99) == 0  # existing pairs keep their order
    assert dict(ws.execute("SELECT id, swapped FROM pairwise_items")) == orders
    assert len(set(orders.values())) == 2  # seed 3 shows some pairs swapped and some not
    for pair_id, swapped in orders.items():
        pair = A.get_pair(ws, pair_id)
        assert (pair["left"]["id"] == pair["b"]["id"]) == swapped
        # both annotators prefer b: as shown that is +2 when b is on the right, −2 when on the left
        shown = -2 if swapped else 2
        for name in ("ana", "luis"):
            A.submit_pairwise(ws, name, pair_id, {"accuracy": shown, "clarity": 0, "completeness": shown // 2,
                                                  "overall": shown})
    prefs = A.preferences(ws)
    assert len(prefs) == 12 and all(p["b_better"]["overall"] == 2 for p in prefs)
    assert all(p["b_better"]["completeness"] == 1 for p in prefs)
    agreement = report.agreement_report(ws, "pairwise")
    overall = next(r for r in agreement["overall"] if r["criterion"] == "overall")
    assert overall["percent"] == 1.0 and overall["n_items"] == 6
    dpo = A.dpo_rows(ws)
    assert len(dpo) == 6
    for row in dpo:
        pair = ws.fetch_one("SELECT * FROM pairwise_items WHERE id = ?", [row["item_id"]])
        assert (row["chosen_id"], row["rejected_id"]) == (pair["b_id"], pair["a_id"])
        assert row["chosen"].startswith("Resumen generado") and row["prompt"].startswith("Resume la siguiente")
    with pytest.raises(InputError):
        A.submit_pairwise(ws, "ana", next(iter(orders)), {"accuracy": 3, "clarity": 0, "completeness": 0, "overall": 0})
    A.submit_pairwise(ws, "ana", next(iter(orders)), {"accuracy": 0, "clarity": 0, "completeness": 0, "overall": 1})
    assert ws.scalar("SELECT count(*) FROM annotations WHERE item_kind = 'pairwise'") == 12  # upsert


# -- agreement from stored reviews --------------------------------------------------------------
def test_agreement_report_from_reviews(ws):
    items = [item_of(ws, f"rec{i}") for i in range(4)]
    # accuracy: ana 1 2 3 3 / luis 1 3 3 2 with scale 1..5; the hand-computed example of
    # test_annotation_agreement on a wider scale: unweighted κ stays 1/5.
    ana, luis = [1, 2, 3, 3], [1, 3, 3, 2]
    for item, a, b in zip(items, ana, luis, strict=True):
        A.submit_review(ws, "ana", item, scores={**GOOD, "accuracy": a}, verdict="accept", comment="c")
        A.submit_review(ws, "luis", item, scores={**GOOD, "accuracy": b}, verdict="accept", comment="c")
    out = report.agreement_report(ws, "reference")
    assert out["overlapping_items"] == 4 and out["annotators"] == ["ana", "luis"]
    acc = next(p for p in out["pairs"] if p["criterion"] == "accuracy")
    assert (acc["n"], acc["percent"]) == (4, 0.5)
    assert acc["kappa"] == pytest.approx(1 / 5)
    # linear weights over 1..5 (k−1 = 4): observed = 2·(1/4·1/4) = 1/8; expected =
    # Σ w·row·col with rows = cols = (1/4, 1/4, 1/2) on 1,2,3: 2·[¼·1/16 + ½·1/8 + ¼·1/8] = 7/32
    assert acc["kappa_linear"] == pytest.approx(1 - (1 / 8) / (7 / 32))
    clarity = next(p for p in out["pairs"] if p["criterion"] == "clarity")
    assert clarity["percent"] == 1.0 and clarity["kappa"] is None  # both always 5: undefined
    verdict = next(r for r in out["overall"] if r["criterion"] == "verdict")
    assert verdict["percent"] == 1.0


# -- exports ----------------------------------------------------------------------------------
def test_export_validated_and_dpo_files(ws, tmp_path):
    item = item_of(ws, "rec0")
    r = A.submit_review(ws, "ana", item, scores=GOOD, verdict="accept_edits", edited_text="Texto corregido.")
    A.submit_review(ws, "ana", item_of(ws, "rec1"), scores=GOOD, verdict="accept")
    path, n = A.export(ws, "validated", tmp_path / "v.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert n == 2 and {r_["record_id"] for r_ in rows} == {"rec0", "rec1"}
    rec0 = next(r_ for r_ in rows if r_["record_id"] == "rec0")
    assert rec0["reference_id"] == r["edited_ref_id"] and rec0["reference_text"] == "Texto corregido."
    assert rec0["parent_id"] == item and rec0["annotators"] == ["ana"] and rec0["record_text"].startswith("Paciente 0")
    path, n = A.export(ws, "validated", tmp_path / "v.parquet")
    df = pd.read_parquet(path)
    assert len(df) == 2 and set(df.columns) >= {"record_text", "reference_text", "reference_version"}
    A.create_pairs(ws, seed=1)
    pair_id = ws.scalar("SELECT id FROM pairwise_items ORDER BY id LIMIT 1")
    A.submit_pairwise(ws, "ana", pair_id, {"accuracy": 1, "clarity": 1, "completeness": 1, "overall": 1})
    path, n = A.export(ws, "pairwise", tmp_path / "dpo.parquet")
    assert n == 1 and list(pd.read_parquet(path).columns[:3]) == ["prompt", "chosen", "rejected"]
    with pytest.raises(InputError):
        A.export(ws, "validated", tmp_path / "v.csv")


# -- two annotators at once ---------------------------------------------------------------------
def test_two_annotators_in_threads_lose_nothing(ws):
    items = [item_of(ws, f"rec{i}") for i in range(6)]
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for n, item in enumerate(items):
                A.save_draft(ws, name, "reference", item, {"comment": f"{name} {n}"})
                A.submit_review(ws, name, item, scores={**GOOD, "clarity": 1 + n % 5}, verdict="accept",
                                comment=f"{name} {n}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("ana", "luis")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = ws.fetch_dicts("SELECT annotator, item_id, comment FROM annotations")
    assert len(rows) == 12 and {(r["annotator"], r["item_id"]) for r in rows} == {(a, i) for a in ("ana", "luis") for i in items}
    assert ws.scalar("SELECT count(*) FROM annotation_drafts") == 0


WORKER = """
import sys
from clinsum import annotation as A
from clinsum.store import Store
s, name = Store.open(sys.argv[1]), sys.argv[2]
for n, item in enumerate(sys.argv[3:]):
    A.save_draft(s, name, "reference", item, {"n": n})
    A.submit_review(s, name, item, scores={"accuracy": 4, "clarity": 1 + n % 5, "completeness": 3},
                    verdict="accept", comment=name)
"""


def test_two_annotators_in_processes_lose_nothing(ws):
    items = [item_of(ws, f"rec{i}") for i in range(6)]
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(ws.root), name, *items], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True) for name in ("ana", "luis")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    counts = dict(ws.execute("SELECT annotator, count(*) FROM annotations GROUP BY annotator"))
    assert counts == {"ana": 6, "luis": 6}
    clarity = dict(ws.execute("SELECT item_id, json_extract(scores, '$.clarity')::INT FROM annotations WHERE annotator = 'luis'"))
    assert clarity == {item: 1 + n % 5 for n, item in enumerate(items)}


# -- CLI --------------------------------------------------------------------------------------
def test_cli_stats_progress_and_export(ws, tmp_path, capsys):
    w = ["-w", str(ws.root)]
    assert cli_main([*w, "annotate", "stats"]) == 0
    assert "agreement needs" in capsys.readouterr().out
    for name, acc in (("ana", [4, 5, 3]), ("luis", [4, 4, 3])):
        for i, a in enumerate(acc):
            A.submit_review(ws, name, item_of(ws, f"rec{i}"), scores={**GOOD, "accuracy": a}, verdict="accept")
    assert cli_main([*w, "annotate", "stats"]) == 0
    out = capsys.readouterr().out
    assert "kappa_quadratic" in out and "alpha_ordinal" in out and "ana" in out and "luis" in out
    assert cli_main([*w, "annotate", "stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    acc = next(p for p in data["pairs"] if p["criterion"] == "accuracy")
    assert acc["n"] == 3 and acc["percent"] == pytest.approx(2 / 3)
    assert cli_main([*w, "annotate", "overlap", "3"]) == 0 and assignment.get_overlap(ws) == 3
    assert cli_main([*w, "annotate", "progress"]) == 0
    assert "ana" in capsys.readouterr().out
    out_file = tmp_path / "val.jsonl"
    assert cli_main([*w, "annotate", "export", "--validated", "--format", "jsonl", "--out", str(out_file)]) == 0
    assert len(out_file.read_text(encoding="utf-8").splitlines()) == 3
    assert cli_main([*w, "annotate", "pairs", "--seed", "1"]) == 0
    assert "4 new pairwise item(s)" in capsys.readouterr().out
    assert cli_main([*w, "annotate", "export", "--pairwise", "--out", str(tmp_path / "x.txt")]) == 3
    assert cli_main([*w, "annotate", "overlap", "0"]) == 3


def test_generation_ids_for_pairwise_come_from_generations_table(ws):
    ws.execute("INSERT INTO generations (id, record_id, backend, strategy, text, error) VALUES (?, 'rec2', 'x', 'y', NULL, 'boom')",
               [new_id("gen")])
    assert pairwise.candidate_pairs(ws, "rec2", "reference_vs_generation") == []  # failed generation skipped
    with pytest.raises(InputError):
        pairwise.candidate_pairs(ws, "rec2", "nonsense")
