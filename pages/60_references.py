"""Reference summaries: choose records and prompt, preview what leaves (de-identified), estimate,
confirm, send (a backend now, or an OpenAI batch), follow batches, retry failures."""

import time

import streamlit as st

from clinsum import jobs, ui
from clinsum.backends import BACKENDS
from clinsum.deid.types import CLINICAL_TYPES
from clinsum.privacy import audit
from clinsum.records import list_records
from clinsum.references import batch, batch_job
from clinsum.references.prompts import BUILTIN, custom_prompt
from clinsum.secrets import get_secret

ui.page("references.title", "references.intro")
K = "references."


def _prompts() -> list:
    choice = st.radio(ui.t("references.prompt"), ["default", *BUILTIN, "custom"], horizontal=True,
                      key=K + "prompt", format_func=lambda p: {
                          "default": ui.t("references.prompt.default"),
                          "custom": ui.t("references.prompt.custom")}.get(p, p))
    if choice == "custom":
        text = st.text_area(ui.t("references.prompt.custom_text"), key=K + "prompt_text")
        return [custom_prompt(text)] if text.strip() else []
    return [None if choice == "default" else BUILTIN[choice]]


def _preview(plan: batch.BatchPlan) -> None:
    est = plan.estimate
    st.write(ui.t("references.estimate", requests=est.requests, model=ui.plain(plan.model),
                  tokens_in=est.input_tokens, tokens_out=est.output_tokens))
    if est.cost_usd is None:
        st.caption(ui.t("references.cost_unknown"))
    else:
        st.write(ui.t("references.cost", cost=f"{est.cost_usd:.4f}", cost_max=f"{est.cost_usd_max:.4f}"))
    st.caption(ui.t("references.preview_legend"))
    for i, (custom_id, out, _line) in enumerate(plan.items):
        with st.expander(ui.t("references.preview_item", custom_id=ui.plain(custom_id), n=out.n_phi), expanded=i == 0):
            for m in out.messages[:-1]:
                st.markdown(f"**{ui.esc(m['role'])}**: {ui.esc(m['content'])}", unsafe_allow_html=True)
            last = out.messages[-1]["content"]
            marks = out.user_spans() + [(a, b, label, RESIDUE_CSS) for a, b, label in out.residue_spans()]
            st.markdown(f'<div style="max-height:420px;overflow-y:auto;border:1px solid #ddd;padding:.5rem">'
                        f"<b>user</b>: {ui.highlight(last, marks)}</div>", unsafe_allow_html=True)


RESIDUE_CSS = "background:#ffb3b3"


def _residues(plan: batch.BatchPlan) -> bool:
    """The residual-scan block: each residue masked or marked safe before anything is sent.
    True when a new choice asks for the preview to be made again."""
    if not plan.gated:
        return False
    left = plan.residues()
    masked, safe = st.session_state.get(K + "masked", []), st.session_state.get(K + "safe_marked", [])
    if not left:
        if masked or safe:
            st.success(ui.t("references.residues_done", masked=len(masked), safe=len(safe)))
        return False
    st.warning(ui.t("references.residues", n=len(left)))
    options = sorted(set(left) | set(masked) | set(safe))
    cols = st.columns(2)
    to_mask = cols[0].multiselect(ui.t("references.residues_mask"), options, default=[r for r in masked if r in options],
                                  key=K + "mask_pick", placeholder=ui.choose())
    to_safe = cols[1].multiselect(ui.t("references.residues_safe"), options, default=[r for r in safe if r in options],
                                  key=K + "safe_pick", placeholder=ui.choose())
    if st.button(ui.t("references.residues_apply"), key=K + "apply_residues"):
        st.session_state[K + "masked"], st.session_state[K + "safe_marked"] = to_mask, to_safe
        return True
    return False


def _audit(store) -> None:
    st.subheader(ui.t("references.audit"))
    rows = audit.list_sends(store, limit=50)
    if not rows:
        st.caption(ui.t("references.audit_empty"))
        return
    st.caption(ui.t("references.audit_help"))
    st.dataframe([{"sent_at": r["sent_at"], "who": r["who"], "backend": r["backend"], "host": r["host"],
                   "purpose": r["purpose"], "gate": r["gate"], "mode": r["mode"], "records": ", ".join(r["records"]),
                   "replaced": r["n_replaced"], "residues_accepted": ", ".join(r["residues_accepted"]),
                   "payload_sha256": (r["payload_sha256"] or "")[:12]} for r in rows], hide_index=True)


def _batches(store) -> None:
    st.subheader(ui.t("references.batches"))
    rows = batch.list_batches(store)
    if not rows:
        st.caption(ui.t("references.no_batches"))
        return
    st.dataframe(rows, hide_index=True)
    if K + "batch_next" in st.session_state:
        st.session_state[K + "batch"] = st.session_state.pop(K + "batch_next")
    chosen = st.selectbox(ui.t("references.batch_pick"), [r["id"] for r in rows], key=K + "batch")
    row = batch.get_batch(store, chosen)
    items = batch.batch_items(store, chosen)
    done = sum(i["status"] == "done" for i in items)
    failed = [i for i in items if i["status"] == "failed"]
    st.write(ui.t("references.batch_state", status=ui.value_label("status", row["status"]),
                  remote=ui.value_label("status", row["remote_status"]),
                  done=done, failed=len(failed), total=len(items)))
    if row["error"]:
        st.warning(ui.plain(row["error"]))
    watchers = [j for j in jobs.list_jobs(store, batch_job.KIND) if (j.get("config") or {}).get("batch_id") == chosen]
    if watchers:
        ui.job_panel(watchers[0]["id"])  # refreshes itself until the watcher ends
    cols = st.columns(3)
    if cols[0].button(ui.t("references.refresh"), key=K + "refresh"):
        batch.refresh(store, chosen, batch.openai_client(base_url=row["base_url"]))
        st.rerun()
    if failed and cols[1].button(ui.t("references.retry"), key=K + "retry"):
        new = batch.retry_failed(store, chosen, batch.openai_client(base_url=row["base_url"]))
        st.session_state[K + "batch_next"] = new
        st.rerun()
    if row["status"] not in (*batch.FINISHED, "fetched") and cols[2].button(ui.t("references.cancel"), key=K + "cancel"):
        batch.cancel(store, chosen, batch.openai_client(base_url=row["base_url"]))
        st.rerun()
    finished = [i for i in items if i["status"] == "done"]
    if finished:
        st.markdown(f"**{ui.t('references.results')}**")
        texts = {r["id"]: r["text"] for r in store.fetch_dicts(
            "SELECT id, text FROM reference_summaries WHERE id IN (SELECT reference_id FROM ref_batch_items"
            " WHERE batch_id = ?)", [chosen])}
        for item in finished:
            with st.expander(ui.plain(f"{item['record_id']} · {item['prompt_name']} → {item['reference_id']}")):
                ui.text_box(texts.get(item["reference_id"], ""), height=240)
    if failed:
        st.markdown(f"**{ui.t('references.failures')}**")
        st.dataframe([{k: i[k] for k in ("record_id", "prompt_name", "error")} for i in failed],
                     hide_index=True)


with ui.guard():
    store = ui.store()
    records = list_records(store)
    if not records:
        st.info(ui.t("references.no_records"))
        st.stop()
    titles = {r["id"]: f"{r['id']} — {r['title']}" for r in records}

    st.subheader(ui.t("references.step.choose"))
    if st.button(ui.t("references.only_missing"), key=K + "missing"):
        st.session_state[K + "records"] = [r["id"] for r in records if not r["n_references"]]
    chosen = st.multiselect(ui.t("references.records"), list(titles), format_func=titles.get, placeholder=ui.choose(),
                            help=ui.t("references.records_help"), key=K + "records")
    prompts = _prompts()

    st.subheader(ui.t("references.step.privacy"))
    deid = st.checkbox(ui.t("references.deid"), value=True, key=K + "deid")
    keep, reidentify = [], False
    if deid:
        keep = st.multiselect(ui.t("references.keep"), list(CLINICAL_TYPES), help=ui.t("references.keep_help"), placeholder=ui.choose(),
                              key=K + "keep")
        reidentify = st.checkbox(ui.t("references.reidentify"), value=True, key=K + "reid")
    else:
        st.error(ui.t("references.deid_off_warning"))

    st.subheader(ui.t("references.step.how"))
    mode = st.radio(ui.t("references.mode"), ["batch", "now"], key=K + "mode",
                    format_func=lambda m: ui.t(f"references.mode.{m}"))
    cols = st.columns(3)
    if mode == "batch":
        backend = "openai"
        model = cols[0].text_input(ui.t("references.model"), value=batch.DEFAULT_MODEL, key=K + "model")
    else:
        names = [n for n, cls in BACKENDS.items() if cls.generative] or ["openai-compatible"]
        backend = cols[0].selectbox(ui.t("references.backend"), names, key=K + "backend")
        model = cols[1].text_input(ui.t("references.model"), value="llama3.2:1b", key=K + "local_model")
    base_url = cols[2].text_input(ui.t("references.base_url"), key=K + "base_url") or None
    max_tokens = st.number_input(ui.t("references.max_tokens"), 64, 4096, 700, step=64, key=K + "max_tokens")
    has_key = bool(get_secret("OPENAI_API_KEY"))
    if mode == "batch" and not has_key:
        st.warning(ui.t("references.no_key"))
        st.info(ui.t("references.no_key_hint"))

    st.subheader(ui.t("references.step.preview"))
    signature = (tuple(chosen), tuple(p.name if p else "default" for p in prompts), deid, tuple(keep),
                 reidentify, mode, backend, model, int(max_tokens))

    def make_plan() -> None:
        if mode == "batch":
            destination = batch.batch_url(base_url)
        else:
            from clinsum.backends.base import get_backend
            from clinsum.references.generate import destination_of

            engine = get_backend(backend, model, **({"base_url": base_url} if base_url else {}))
            destination = destination_of(engine) or "http://127.0.0.1"  # a library: nothing leaves
        status = st.status(ui.t("references.preview_running", i=1, n=len(chosen)), expanded=False)
        started = time.perf_counter()
        try:
            st.session_state[K + "plan"] = batch.plan_batch(
                store, chosen, prompts, model=model, deid=deid, keep=keep, reidentify=reidentify,
                max_tokens=int(max_tokens), destination=destination,
                mask=st.session_state.get(K + "masked", []), safe=st.session_state.get(K + "safe_marked", []),
                progress=lambda i, n: status.update(label=ui.t(
                    "references.preview_running" if deid else "references.preview_preparing", i=i + 1, n=n)))
        except BaseException:
            status.update(label=ui.t("references.preview_failed"), state="error")
            raise
        status.update(label=ui.t("references.preview_ready", seconds=time.perf_counter() - started),
                      state="complete")
        st.session_state[K + "signature"] = signature

    if st.button(ui.t("references.make_preview"), key=K + "preview", disabled=not (chosen and prompts)):
        make_plan()
    plan = st.session_state.get(K + "plan")
    if plan is not None and st.session_state.get(K + "signature") != signature:
        st.info(ui.t("references.preview_stale"))
        plan = None
    if plan is not None and _residues(plan):
        make_plan()
        st.rerun()
    if plan is not None:
        _preview(plan)
        st.subheader(ui.t("references.step.send"))
        if mode == "batch":
            st.checkbox(ui.t("references.follow"), value=True, key=K + "follow")
        confirm = st.checkbox(ui.t("references.confirm" if mode == "batch" else "references.confirm_local"),
                              key=K + "confirm")
        can_send = confirm and (has_key or mode != "batch") and not plan.blocked
        if plan.blocked:
            st.caption(ui.t("references.residues_block"))
        if st.button(ui.t("references.send"), type="primary", disabled=not can_send, key=K + "send"):
            if mode == "batch":
                batch_id = batch.create_batch(store, plan, batch.openai_client(base_url=base_url), base_url=base_url)
                st.session_state[K + "batch_next"] = batch_id
                st.success(ui.t("references.sent_batch", batch=batch_id))
                if st.session_state.get(K + "follow"):
                    jobs.submit(store, batch_job.KIND, {"batch_id": batch_id, "interval": 30},
                                title=f"follow {batch_id}")
            else:
                from clinsum.backends.base import GenerationOptions
                from clinsum.references.generate import generate_references

                outcomes = generate_references(
                    store, chosen, backend, model, prompt=prompts[0], deid=deid, keep=keep, reidentify=reidentify,
                    options=GenerationOptions(temperature=0.2, max_new_tokens=int(max_tokens)),
                    backend_config={"base_url": base_url} if base_url else {},
                    mask=st.session_state.get(K + "masked", []), safe=st.session_state.get(K + "safe_marked", []))
                ok = [o for o in outcomes if o.reference_id]
                st.success(ui.t("references.generated", ok=len(ok), failed=len(outcomes) - len(ok)))
                for o in outcomes:
                    if o.error:
                        st.error(ui.t("references.generate_failed", record=ui.plain(o.record_id), error=ui.plain(o.error)))
                        if o.hint:
                            st.caption(ui.plain(o.hint))
                    else:
                        with st.expander(ui.plain(f"{o.record_id} → {o.reference_id}")):
                            ui.text_box(o.text or "", height=240)
            st.session_state.pop(K + "plan", None)
    _batches(store)
    _audit(store)
