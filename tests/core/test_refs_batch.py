"""Reference generation: OpenAI Batch flow against a loopback Files/Batches server, and a few
records through a backend against the loopback chat server."""

from __future__ import annotations

import json
import re

import pytest

from clinsum.cli import main as cli_main
from clinsum.deid.mapping_store import load_mapping
from clinsum.errors import BackendUnavailable, ConfigError, InputError
from clinsum.references import batch, list_references
from clinsum.references.estimate import estimate_cost, estimate_tokens
from clinsum.references.generate import generate_references, send_destination
from clinsum.store import Store
from tests.fakes.llm_server import LLMServer
from tests.fakes.openai_batch_server import BatchServer

KEY = "sk-test-batch-0123456789"


@pytest.fixture(scope="module")
def records_ws(tmp_path_factory) -> Store:
    """A workspace with four demo records (two English, two Spanish), shared by this module's tests."""
    from clinsum.config import DEMO_DIR
    from clinsum.records.ingest import ColumnMapping, import_paths

    s = Store.open(tmp_path_factory.mktemp("refs") / "ws")
    files = sorted((DEMO_DIR / "records").glob("*.txt"))
    picked = [f for f in files if f.name.startswith("en")][:2] + [f for f in files if f.name.startswith("es")][:2]
    import_paths(s, picked, ColumnMapping.parse(None))
    return s


@pytest.fixture
def ws(records_ws: Store, tmp_path) -> Store:
    """A fresh copy of the records workspace for one test."""
    import shutil

    shutil.copytree(records_ws.root, tmp_path / "copy")
    return Store.open(tmp_path / "copy")


def _ids(store: Store, n: int) -> list[str]:
    return [r[0] for r in store.execute("SELECT id FROM records ORDER BY id LIMIT ?", [n])]


def _client(server: BatchServer):
    return batch.openai_client(api_key=KEY, base_url=server.base_url)


def _placeholder_responder(messages, model) -> str:
    """An answer quoting the placeholders it was sent, as a careful model would."""
    found = re.findall(r"\[[A-Z_]+_\d+\]", messages[-1]["content"])
    return "Resumen: " + " ".join(dict.fromkeys(found))


def _until_fetched(store: Store, batch_id: str, client, limit: int = 10) -> dict:
    for _ in range(limit):
        row = batch.refresh(store, batch_id, client)
        if row["status"] == "fetched":
            return row
    raise AssertionError(f"batch not finished after {limit} polls: {row}")


def test_plan_sends_only_deidentified_text_and_estimates(ws: Store) -> None:
    ids = _ids(ws, 3)
    plan = batch.plan_batch(ws, ids, [None, "Resume en tres frases:\n{record}"], model="gpt-4o-mini")
    assert len(plan.items) == 6 and len({cid for cid, _, _ in plan.items}) == 6
    sent = plan.jsonl().decode("utf-8")
    for record_id in ids:
        mapping = load_mapping(ws, record_id)
        assert mapping.entries, "every demo record has some PHI"
        for _kind, surface in mapping.entries.values():
            if len(surface) > 5:
                assert surface not in sent, f"{surface!r} would leave the machine"
    lines = [json.loads(x) for x in sent.splitlines()]
    assert {x["url"] for x in lines} == {"/v1/chat/completions"}
    assert plan.estimate.input_tokens > sum(len(x["body"]["messages"][1]["content"]) for x in lines) / 5
    assert plan.estimate.cost_usd is not None and 0 < plan.estimate.cost_usd < plan.estimate.cost_usd_max
    unknown = estimate_cost("my-local-model", [[{"role": "user", "content": "hola"}]], 100)
    assert unknown.cost_usd is None and estimate_tokens("uno dos tres") >= 3
    (ws.root / "prices.toml").write_text('[models."my-local-model"]\ninput = 1.0\noutput = 2.0\n')
    priced = estimate_cost("my-local-model", [[{"role": "user", "content": "hola"}]], 100, workspace=ws.root)
    assert priced.cost_usd_max == pytest.approx(0.5 * (priced.input_tokens * 1.0 + 100 * 2.0) / 1e6)
    (ws.root / "prices.toml").write_text("not toml [")
    with pytest.raises(ConfigError):
        estimate_cost("gpt-4o-mini", [[{"role": "user", "content": "hola"}]], 100, workspace=ws.root)


def test_plan_without_deid_sends_the_record_as_is_only_inside(ws: Store) -> None:
    record_id = _ids(ws, 1)[0]
    with pytest.raises(InputError, match="outside the hospital"):
        batch.plan_batch(ws, [record_id], deid=False)  # the OpenAI API is outside
    plan = batch.plan_batch(ws, [record_id], deid=False, destination="http://127.0.0.1:9/v1")
    text = ws.scalar("SELECT text FROM records WHERE id = ?", [record_id])
    assert text in plan.items[0][2]["body"]["messages"][1]["content"]
    assert not plan.reidentify


def test_batch_flow_with_partial_failure_and_retry(ws: Store) -> None:
    ids = _ids(ws, 4)
    plan = batch.plan_batch(ws, ids, model="gpt-4o-mini", reidentify=True)
    failing = next(cid for cid, out, _ in plan.items if out.record_id == ids[1])
    assert not any(record_id in cid for cid, _, _ in plan.items for record_id in ids)  # opaque tokens
    with BatchServer(api_key=KEY, responder=_placeholder_responder,
                     fail=lambda cid, body: "overloaded" if cid == failing else None) as server:
        client = _client(server)
        batch_id = batch.create_batch(ws, plan, client, base_url=server.base_url, accept_residues=True)
        assert server.uploads == [plan.jsonl()]  # exactly what was previewed left
        row = _until_fetched(ws, batch_id, client)
        assert row["request_counts"] == {"total": 4, "completed": 3, "failed": 1}
        items = {i["record_id"]: i for i in batch.batch_items(ws, batch_id)}
        assert items[ids[1]]["status"] == "failed" and "overloaded" in items[ids[1]]["error"]
        for record_id in (ids[0], ids[2], ids[3]):
            item = items[record_id]
            assert item["status"] == "done"
            ref = ws.fetch_one("SELECT * FROM reference_summaries WHERE id = ?", [item["reference_id"]])
            assert ref["record_id"] == record_id
            # the answer came with placeholders; the stored reference has the originals back
            mapping = load_mapping(ws, record_id)
            sent_back = re.findall(r"\[[A-Z_]+_\d+\]", item["response_text"])
            assert sent_back and not re.search(r"\[[A-Z_]+_\d+\]", ref["text"])
            assert all(mapping.surface(ph) in ref["text"] for ph in sent_back)
            assert json.loads(ref["provenance"])["custom_id"] == item["custom_id"]
        # fetching again stores nothing twice
        batch.fetch(ws, batch_id, client)
        assert len(list_references(ws)) == 3
        texts = batch.result_texts(ws, batch_id)
        assert texts == {r["id"]: r["text"] for r in list_references(ws)}

        server.fail = lambda cid, body: None
        retry_id = batch.retry_failed(ws, batch_id, client)
        _until_fetched(ws, retry_id, client)
        assert [i["status"] for i in batch.batch_items(ws, retry_id)] == ["done"]
        assert {i["status"] for i in batch.batch_items(ws, batch_id)} == {"done", "retried"}
        assert len(list_references(ws)) == 4
        with pytest.raises(InputError):
            batch.retry_failed(ws, retry_id, client)


def test_resume_after_restarts(ws: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _ids(ws, 2)
    with BatchServer(api_key=KEY, polls_per_step=2) as server:
        plan = batch.plan_batch(ws, ids)
        # 1) the process dies right after the batch was created remotely, before recording it
        real_update = batch._update

        def dying_update(store, batch_id, **values):
            if "remote_id" in values:
                raise KeyboardInterrupt("power cut")
            real_update(store, batch_id, **values)

        monkeypatch.setattr(batch, "_update", dying_update)
        with pytest.raises(KeyboardInterrupt):
            batch.create_batch(ws, plan, _client(server), base_url=server.base_url, accept_residues=True)
        monkeypatch.setattr(batch, "_update", real_update)
        assert len(server.batches) == 1 and len(server.uploads) == 1

        # 2) a new process (new Store, new client) picks it up without sending anything twice
        again = Store.open(ws.root)
        (row,) = batch.list_batches(again)
        assert row["status"] == "uploaded" and row["remote_id"] is None
        batch.refresh(again, row["id"], _client(server))
        assert len(server.batches) == 1 and len(server.uploads) == 1
        assert batch.get_batch(again, row["id"])["remote_id"] == next(iter(server.batches))

        # 3) and another one, mid-polling, finishes it
        third = Store.open(ws.root)
        final = _until_fetched(third, row["id"], _client(server), limit=12)
        assert final["status"] == "fetched"
        assert sorted(r["record_id"] for r in list_references(third)) == sorted(ids)


def test_invalid_batch_marks_every_item_failed(ws: Store) -> None:
    with BatchServer(api_key=KEY) as server:
        client = _client(server)
        plan = batch.plan_batch(ws, _ids(ws, 1))
        plan.items[0][2]["url"] = "/v1/wrong"
        batch_id = batch.create_batch(ws, plan, client, accept_residues=True)
        row = _until_fetched(ws, batch_id, client)
        assert row["remote_status"] == "failed" and "line 1" in row["error"]
        assert [i["status"] for i in batch.batch_items(ws, batch_id)] == ["failed"]


def test_missing_or_wrong_key_is_a_clear_error(ws: Store, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("clinsum.secrets.secrets_files", lambda: [])
    with pytest.raises(BackendUnavailable) as info:
        batch.openai_client()
    assert "OPENAI_API_KEY" in info.value.hint
    with BatchServer(api_key=KEY) as server:
        plan = batch.plan_batch(ws, _ids(ws, 1))
        wrong = batch.openai_client(api_key="sk-wrong-key-000000", base_url=server.base_url)
        with pytest.raises(BackendUnavailable, match="rejected the API key"):
            batch.create_batch(ws, plan, wrong, accept_residues=True)
        assert batch.list_batches(ws)[0]["status"] == "prepared"  # kept, ready to resume


def test_cli_create_previews_without_sending_then_sends(ws: Store, capsys, monkeypatch) -> None:
    ids = _ids(ws, 2)
    with BatchServer(api_key=KEY) as server:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        args = ["-w", str(ws.root), "refs", "batch", "create", *ids, "--preview", "--base-url", server.base_url]
        assert cli_main(args) == 0
        out = capsys.readouterr().out
        assert "nothing sent" in out and "2 request(s)" in out and "[user]" in out
        assert server.uploads == []
        assert cli_main([*args, "--yes"]) == 0
        assert len(server.uploads) == 1
        batch_id = batch.list_batches(ws)[0]["id"]
        for _ in range(4):
            assert cli_main(["-w", str(ws.root), "refs", "batch", "status", batch_id]) == 0
        assert cli_main(["-w", str(ws.root), "refs", "batch", "fetch", batch_id]) == 0
        assert "done" in capsys.readouterr().out
        assert cli_main(["-w", str(ws.root), "refs", "batch", "status"]) == 0


def test_generate_through_a_backend_sends_deidentified_text(ws: Store) -> None:
    ids = _ids(ws, 2)
    with LLMServer() as server:
        outcomes = generate_references(ws, ids, "openai-compatible", "llama3.2:1b",
                                       backend_config={"base_url": server.openai_base_url}, reidentify=True)
        assert [o.error for o in outcomes] == [None, None]
        sent = " ".join(str(m) for call in server.calls for m in call.messages)
        for record_id in ids:
            for _kind, surface in load_mapping(ws, record_id).entries.values():
                if len(surface) > 5:
                    assert surface not in sent
        refs = list_references(ws)
        assert sorted(r["record_id"] for r in refs) == sorted(ids)
        assert send_destination("openai-compatible", "llama3.2:1b", server.openai_base_url) == server.openai_base_url
        prov = json.loads(refs[0]["provenance"])
        assert prov["deidentified"] and prov["phi_replaced"] > 0
        server.fail_next(5, 500)
        bad = generate_references(ws, ids[:1], "openai-compatible", "llama3.2:1b",
                                  backend_config={"base_url": server.openai_base_url, "max_retries": 0})
        assert bad[0].reference_id is None and bad[0].error


def test_watch_job_follows_a_batch_to_the_end(ws: Store, monkeypatch) -> None:
    from clinsum import jobs
    from clinsum.references import batch_job

    with BatchServer(api_key=KEY) as server:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        plan = batch.plan_batch(ws, _ids(ws, 2))
        batch_id = batch.create_batch(ws, plan, _client(server), base_url=server.base_url, accept_residues=True)
        job_id = jobs.submit(ws, batch_job.KIND, {"batch_id": batch_id, "interval": 0.01}, spawn=False)
        assert jobs.run_job(ws, job_id) == "done"
        assert batch.get_batch(ws, batch_id)["status"] == "fetched"
        assert jobs.info(ws, job_id)["progress"]["done"] == 2
        assert len(list_references(ws)) == 2


def test_cancelled_batch_items_can_be_retried(ws: Store) -> None:
    with BatchServer(api_key=KEY, polls_per_step=3) as server:
        client = _client(server)
        batch_id = batch.create_batch(ws, batch.plan_batch(ws, _ids(ws, 2)), client, accept_residues=True)
        assert batch.cancel(ws, batch_id, client)["status"] == "cancelling"
        row = _until_fetched(ws, batch_id, client)
        assert row["remote_status"] == "cancelled"
        assert {i["status"] for i in batch.batch_items(ws, batch_id)} == {"failed"}
        server.polls_per_step = 1
        retry_id = batch.retry_failed(ws, batch_id, client)
        _until_fetched(ws, retry_id, client)
        assert len(list_references(ws)) == 2


def test_cli_generate_through_a_backend(ws: Store, capsys) -> None:
    ids = _ids(ws, 2)
    with LLMServer() as server:
        code = cli_main(["-w", str(ws.root), "refs", "generate", *ids, "--backend", "openai-compatible",
                         "--model", "llama3.2:1b", "--base-url", server.openai_base_url,
                         "--keep", "EDAD_SUJETO_ASISTENCIA"])
        assert code == 0
        assert capsys.readouterr().out.count("reference ref-") == 2
        sent = server.calls[0].messages[-1]["content"]
        assert "[EDAD_" not in sent and "[NOMBRE_1]" in sent
    assert cli_main(["-w", str(ws.root), "refs", "generate", "--backend", "x", "--model", "y"]) == 3


def test_cancel_before_sending_sends_nothing(ws: Store) -> None:
    with BatchServer(api_key=KEY) as server:
        client = _client(server)
        batch_id = batch.create_batch(ws, batch.plan_batch(ws, _ids(ws, 1)), client, submit_now=False, accept_residues=True)
        assert batch.cancel(ws, batch_id, client)["status"] == "cancelled"
        assert batch.refresh(ws, batch_id, client)["status"] == "cancelled"
        assert server.uploads == [] and server.batches == {}
        assert [i["error"] for i in batch.batch_items(ws, batch_id)] == ["cancelled before sending"]
