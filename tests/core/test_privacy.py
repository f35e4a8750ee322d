"""The privacy gate against the loopback fakes treated as outside the hospital (workspace setting):
what the servers receive carries no identifier; residues block; surrogates; opaque ids; audit."""

from __future__ import annotations

import json
import re

import pytest

from clinsum.backends.base import GenerationOptions, get_backend
from clinsum.cli import main as cli_main
from clinsum.deid.mapping_store import load_mapping
from clinsum.privacy import PrivacyBlocked, PrivacySettings, guard, protect, save_settings, sending
from clinsum.privacy.audit import list_sends, payload_hash
from clinsum.privacy.settings import is_inside, load_settings
from clinsum.privacy.surrogates import shift_date
from clinsum.references import batch, list_references
from clinsum.references.generate import generate_references
from clinsum.store import Store
from tests.fakes.llm_server import LLMServer
from tests.fakes.openai_batch_server import BatchServer

RECORD = ("Paciente: Anselmo Quirós Bermejo\nNHC: 2045871\nEdad: 78 años\n"
          "Ingresa el 03/02/2024 en el Hospital General de Villaserena. Vive en Avda. de la Constitución 12. "
          "Teléfono 91.555.12.34. Su hija Marta le acompaña. Infarto en 2016.")
SURFACES = ["Anselmo", "Quirós", "2045871", "78 años", "03/02/2024", "Villaserena", "Constitución",
            "91.555.12.34", "2016"]
OPTIONS = GenerationOptions(temperature=0.0, max_new_tokens=32)


@pytest.fixture
def outside(tmp_path) -> Store:
    """A workspace where nothing counts as inside the hospital: the loopback fakes are 'outside'."""
    store = Store.open(tmp_path / "ws")
    save_settings(store, PrivacySettings(inside_hosts=[]))
    return store


@pytest.fixture
def records(outside: Store) -> list[str]:
    from clinsum.config import DEMO_DIR
    from clinsum.records.ingest import ColumnMapping, import_paths

    names = ["en01_cardiology_afib_rvr.txt", "es13_obstetricia_preeclampsia.txt"]  # both have residues
    import_paths(outside, [DEMO_DIR / "records" / n for n in names], ColumnMapping.parse(None))
    return [r[0] for r in outside.execute("SELECT id FROM records ORDER BY id")]


def _sent(server: LLMServer) -> str:
    return "\n".join(str(m.get("content")) for call in server.calls for m in call.messages)


def test_settings_default_to_loopback_inside() -> None:
    settings = PrivacySettings()
    assert is_inside("http://127.0.0.1:11434", settings) and is_inside("localhost:8000", settings)
    assert not is_inside("https://api.openai.com/v1", settings)
    assert is_inside("http://llm.hospital.local:8000/v1", PrivacySettings(inside_hosts=["*.hospital.local"]))
    assert not is_inside("http://127.0.0.1:1", PrivacySettings(inside_hosts=[]))


@pytest.mark.parametrize("backend", ["ollama", "openai-compatible"])
def test_every_backend_call_to_an_outside_host_is_gated(outside: Store, backend: str) -> None:
    with LLMServer(responder=lambda messages, model: "Resumen de [NOMBRE_1] en [HOSPITAL_1].") as server:
        config = {"host": server.ollama_host} if backend == "ollama" else {"base_url": server.openai_base_url}
        engine = get_backend(backend, "llama3.2:1b", **config)
        with sending(outside, records=["rec-1"], purpose="test"):
            result = engine.generate([{"role": "user", "content": RECORD}], OPTIONS)
            streamed = engine.stream([{"role": "user", "content": RECORD}], OPTIONS)
            "".join(streamed)
        sent = _sent(server)
        assert len(server.calls) == 2
        for surface in SURFACES:
            assert surface not in sent, f"{surface!r} reached the server"
        assert "[NOMBRE_" in sent or "[LUGAR_" in sent or "[SANITARIO_" in sent
        # the answer comes back with the gate's own placeholders mapped back locally
        assert "[" not in result.text and streamed.result is not None and "[" not in streamed.result.text
    rows = list_sends(outside)
    assert len(rows) == 2 and {r["gate"] for r in rows} == {"on"} and rows[0]["records"] == ["rec-1"]
    assert payload_hash(server.calls[0].messages) in {r["payload_sha256"] for r in rows}


def test_inside_hosts_pass_unchanged_and_unlogged(tmp_path) -> None:
    store = Store.open(tmp_path / "ws")  # default settings: loopback is inside, gate off there
    with LLMServer() as server:
        engine = get_backend("openai-compatible", "llama3.2:1b", base_url=server.openai_base_url)
        with sending(store):
            engine.generate([{"role": "user", "content": RECORD}], OPTIONS)
        assert RECORD in _sent(server)
    assert list_sends(store) == []


def test_gate_switched_on_for_inside_hosts(tmp_path) -> None:
    store = Store.open(tmp_path / "ws")
    save_settings(store, PrivacySettings(gate_inside=True))
    with sending(store):
        out = guard("http://127.0.0.1:9/v1", [{"role": "user", "content": RECORD}], backend="openai-compatible")
    assert out.gated and "Quirós" not in out.messages[0]["content"]
    assert list_sends(store)[0]["gate"] == "on"


def test_residual_scan_flags_what_deid_left() -> None:
    found = protect("FICTIONAL MERIDIAN VALLEY GENERAL HOSPITAL\nPuérpera de 34 años. Cama: 4.12. "
                    "HbA1c 7,1% (01/2024). Lote XK-88231-B. Dosis 500 mg cada 8 horas.", language="es")
    texts = {r.text for r in found.residues} | {found.mapping.surface(p) for p in found.mapping.entries}
    joined = " ".join(t for t in texts if t)
    assert any("XK-88231-B" in r.text for r in found.residues)  # a code de-identification does not know
    for piece in ("MERIDIAN", "34 años", "4.12", "01/2024"):
        assert piece in joined
    assert "500" not in {r.text for r in found.residues}  # a dose is not a residue
    masked = found.masked()
    assert masked.residues == [] and "4.12" not in masked.text and "[PHI_" in masked.text
    # offsets stay right after masking: every placeholder recorded is where it says
    for start, end, _type in masked.placed:
        assert re.fullmatch(r"\[[A-Z_]+_\d+\]", masked.text[start:end])


def test_residual_scan_flags_english_names_that_are_also_common_words() -> None:
    from clinsum.privacy.residues import scan

    text = ("Seen with her daughter Grace Baker. Lives with son Mark in Springfield. Young patient; Frank "
            "haematuria. Graves disease, Wells score 2.")
    flagged = [r.text for r in scan(text) if r.kind == "name"]
    assert flagged == ["Grace Baker", "Mark", "Springfield"]


def test_a_name_shaped_like_a_word_opening_a_sentence_is_a_residue() -> None:
    from clinsum.privacy.residues import scan

    text = ("Paciente estable. García refiere dolor. María acude. Concepción ingresa. Evolución favorable.\n"
            "Clasificación de Child-Pugh B. Realizada ecografía.\nPatient stable. Emily reports pain. Irving denies "
            "fever. Following discharge, she improved.")
    assert [r.text for r in scan(text) if r.kind == "name"] == ["García", "María", "Concepción", "Emily", "Irving"]


def test_an_eponym_of_a_scale_sign_or_disease_is_no_residue() -> None:
    from clinsum.privacy.residues import scan

    text = ("Alvarado score 9. Boston bowel prep score 8. Escala de Downton 3. Test de O'Sullivan normal. "
            "Síndrome de Budd-Chiari. Signo de Nikolsky positivo.\nAcude con Juan Pérez al test de esfuerzo.")
    assert [r.text for r in scan(text) if r.kind == "name"] == ["Juan Pérez"]


def test_scales_and_roles_are_no_residue_but_a_name_after_them_is() -> None:
    from clinsum.privacy.residues import scan

    text = ("Triaje Manchester: amarillo. Valorada por la enfermera Jefe de Planta y la Gestora de Casos, "
            "que avisa a la enfermera Nerea Zubizarreta.\nVisitas por Instagram.\nEPICRISIS PEDIÁTRICA\n"
            "Nombre del paciente: [NOMBRE_1]\nHOJA OPERATORIA\nUnidad de Cirugía Mayor Ambulatoria. Pieza remitida.")
    assert [r.text for r in scan(text) if r.kind == "name"] == ["Nerea Zubizarreta"]



def test_a_lower_case_street_word_that_ends_a_sentence_is_no_address() -> None:
    from clinsum.privacy.residues import scan

    text = "Se contacta con la residencia para valorar plaza.\nLa paciente trabaja de cajera. Vive en la plaza Mayor 3."
    assert [r.text for r in scan(text) if r.kind == "address"] == ["plaza Mayor 3"]
    # a scale's score is no date, a day and month are
    assert [r.text for r in scan("Apgar 9/10. Glasgow 14/15. Revisión el 9/10.") if r.kind == "date"] == ["9/10"]
    # and the Catalan and Galician words, in lower case too
    assert [r.text for r in scan("Vive en el carrer Major 12\nA súa casa: Rúa do Vilar 7") if r.kind == "address"] == [
        "carrer Major 12", "Rúa do Vilar 7"]


def test_references_are_blocked_until_residues_are_resolved(outside: Store, records: list[str]) -> None:
    with LLMServer() as server:
        config = {"base_url": server.openai_base_url}
        blocked = generate_references(outside, records, "openai-compatible", "llama3.2:1b", backend_config=config)
        assert all(o.reference_id is None and o.residues for o in blocked), [(o.error, o.residues) for o in blocked]
        assert server.calls == []  # nothing left
        done = generate_references(outside, records, "openai-compatible", "llama3.2:1b", backend_config=config, mask=True)
        assert [o.error for o in done] == [None, None]
        sent = _sent(server)
        for record_id in records:
            assert record_id not in sent
            for _kind, surface in load_mapping(outside, record_id).entries.values():
                if len(surface) > 3 and not surface.startswith("["):
                    assert surface not in sent, f"{surface!r} left"
        accepted = generate_references(outside, records[:1], "openai-compatible", "llama3.2:1b", backend_config=config,
                                       accept_residues=True)
        assert accepted[0].reference_id
    rows = list_sends(outside)
    assert [r["purpose"] for r in rows] == ["reference"] * 3
    assert rows[0]["residues_accepted"] and all(r["records"] for r in rows)
    prov = json.loads(list_references(outside, records[0])[-1]["provenance"])
    assert prov["privacy_gate"] is True and prov["residues_accepted"]


def test_batch_to_an_outside_service_uses_opaque_ids_and_is_logged(outside: Store, records: list[str],
                                                                   monkeypatch) -> None:
    key = "sk-test-privacy-0123456789"
    with BatchServer(api_key=key) as server:
        client = batch.openai_client(api_key=key, base_url=server.base_url)
        plan = batch.plan_batch(outside, records, destination=server.base_url)
        assert plan.gated and plan.blocked
        with pytest.raises(PrivacyBlocked):
            batch.create_batch(outside, plan, client, base_url=server.base_url)
        plan = batch.plan_batch(outside, records, destination=server.base_url, mask=True)
        assert not plan.blocked
        batch_id = batch.create_batch(outside, plan, client, base_url=server.base_url)
        uploaded = server.uploads[0].decode("utf-8")
        for record_id in records:
            assert record_id not in uploaded
        assert all(re.fullmatch(r"req-\d{5}-[0-9a-f]{10}", json.loads(x)["custom_id"]) for x in uploaded.splitlines())
    row = list_sends(outside)[0]
    assert row["purpose"] == "batch" and sorted(row["records"]) == sorted(records)
    assert row["tokens"] == [i["custom_id"] for i in batch.batch_items(outside, batch_id)]


def test_batch_upload_of_an_unreviewed_request_is_refused(outside: Store, records: list[str]) -> None:
    key = "sk-test-privacy-0123456789"
    save_settings(outside, PrivacySettings())  # while loopback counts as inside, a raw plan is allowed
    with BatchServer(api_key=key) as server:
        client = batch.openai_client(api_key=key, base_url=server.base_url)
        plan = batch.plan_batch(outside, records[:1], destination=server.base_url, deid=False)
        batch_id = batch.create_batch(outside, plan, client, base_url=server.base_url, submit_now=False)
        save_settings(outside, PrivacySettings(inside_hosts=[]))  # ... then the host is declared outside
        with pytest.raises(PrivacyBlocked):
            batch.submit(outside, batch_id, client)
        assert server.uploads == []


def test_surrogates_keep_intervals_and_map_back(outside: Store, records: list[str]) -> None:
    assert shift_date("03/02/2024", 10) == "13/02/2024" and shift_date("2024-02-03", -3) == "2024-01-31"
    settings = load_settings(outside)
    settings.mode = "surrogates"
    save_settings(outside, settings)
    spanish = records[1]
    out = batch.plan_batch(outside, [spanish], destination="http://127.0.0.1:9/v1").items[0][1]
    assert out.mode == "surrogates" and "[NOMBRE_" not in out.sent_text and "[FECHA_" not in out.sent_text
    original = outside.scalar("SELECT text FROM records WHERE id = ?", [spanish])
    assert "03/03/2024" in original and "03/03/2024" not in out.sent_text
    from datetime import date

    dates = re.findall(r"\b(\d\d)/(\d\d)/(\d{4})\b", out.sent_text)[:2]
    shifted = [date(int(y), int(m), int(d)) for d, m, y in dates]
    first, second = re.findall(r"Fecha de (?:ingreso|alta): (\d\d/\d\d/\d{4})", original)
    gap = (date(*map(int, reversed(second.split("/")))) - date(*map(int, reversed(first.split("/"))))).days
    assert (shifted[1] - shifted[0]).days == gap  # the interval between admission and discharge survives
    from clinsum.privacy.surrogates import load_table
    from clinsum.references.outgoing import restore

    fake = next(v for k, v in load_table(outside, spanish).items() if k.startswith("[SANITARIO") or
                k.startswith("[NOMBRE") or k.startswith("[LUGAR"))
    assert fake in out.sent_text
    assert fake not in restore(outside, spanish, f"Resumen: {fake} ingresó.")


def test_cli_refuses_with_exit_3_and_lists_residues(outside: Store, records: list[str], capsys) -> None:
    with LLMServer() as server:
        base = ["-w", str(outside.root), "refs", "generate", *records, "--backend", "openai-compatible",
                "--model", "llama3.2:1b", "--base-url", server.openai_base_url]
        assert cli_main(base) == 3
        out = capsys.readouterr().out
        assert "privacy gate: ON for 127.0.0.1" in out and "possible identifier(s) remain" in out
        assert server.calls == []
        assert cli_main([*base, "--accept-residues"]) == 0
        assert len(server.calls) == 2
    assert cli_main(["-w", str(outside.root), "refs", "audit"]) == 0
    out = capsys.readouterr().out
    assert "reference" in out and records[0] in out
    assert cli_main(["-w", str(outside.root), "refs", "privacy", "--inside", "loopback,llm.hospital.local"]) == 0
    assert "loopback, llm.hospital.local" in capsys.readouterr().out
    assert load_settings(outside).inside_hosts == ["loopback", "llm.hospital.local"]
    with LLMServer() as server:
        assert cli_main(["-w", str(outside.root), "refs", "generate", records[0], "--backend", "openai-compatible",
                         "--model", "llama3.2:1b", "--base-url", server.openai_base_url]) == 0
        assert "privacy gate: OFF for 127.0.0.1" in capsys.readouterr().out
