"""The References page's sections: prompt choice, the de-identified preview and its residues,
making the plan, sending (batch or now), following batches and the send log. Drawing only: the
logic is in :mod:`clinsum.references` and :mod:`clinsum.privacy`."""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from clinsum import jobs, ui
from clinsum.privacy import audit
from clinsum.references import batch, batch_job
from clinsum.references.prompts import BUILTIN, RefPrompt, custom_prompt
from clinsum.ui.i18n import catalog

K = "references."
RESIDUE_CSS = "background:#ffb3b3"


@dataclass(frozen=True)
class Choice:
    """What the user chose on the page: records, prompts, privacy and where to send."""

    records: list[str]
    prompts: list[RefPrompt | None]
    deid: bool
    keep: list[str]
    reidentify: bool
    mode: str
    backend: str
    model: str
    base_url: str | None
    max_tokens: int

    @property
    def signature(self) -> tuple:
        """What a preview was made for (a change makes it stale; the server URL does not)."""
        return (tuple(self.records), tuple(p.name if p else "default" for p in self.prompts), self.deid,
                tuple(self.keep), self.reidentify, self.mode, self.backend, self.model, int(self.max_tokens))


def prompt_picker() -> list:
    """The prompt choice (default, a built-in, or a custom text): the prompts to send, or none."""
    choice = st.radio(ui.t("references.prompt"), ["default", *BUILTIN, "custom"], horizontal=True,
                      key=K + "prompt", format_func=lambda p: {
                          "default": ui.t("references.prompt.default"),
                          "custom": ui.t("references.prompt.custom")}.get(p, p))
    if choice == "custom":
        text = st.text_area(ui.t("references.prompt.custom_text"), key=K + "prompt_text")
        return [custom_prompt(text)] if text.strip() else []
    return [None if choice == "default" else BUILTIN[choice]]


def preview(plan: batch.BatchPlan) -> None:
    """The estimate and, per request, exactly what would leave (replacements and residues marked)."""
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
                st.markdown(f"**{_role(m['role'])}**: {ui.esc(m['content'])}", unsafe_allow_html=True)
            last = out.messages[-1]
            marks = out.user_spans() + [(a, b, label, RESIDUE_CSS) for a, b, label in out.residue_spans()]
            ui.scroll_box(f"<b>{_role(last['role'])}</b>: {ui.highlight(last['content'], marks)}")


def _role(role: str) -> str:
    """A message's role as the user reads it (the API's own word when the catalogue has none)."""
    key = f"references.role.{role}"
    return ui.t(key) if key in catalog() else ui.esc(role)


def residues(plan: batch.BatchPlan) -> bool:
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


def make_plan(store, choice: Choice) -> None:
    """De-identify and estimate what would be sent (with progress); stored as the page's plan."""
    if choice.mode == "batch":
        destination = batch.batch_url(choice.base_url)
    else:
        from clinsum.references.generate import send_destination

        destination = send_destination(choice.backend, choice.model, choice.base_url)
    deid = choice.deid
    status = st.status(ui.t("references.preview_running", i=1, n=len(choice.records)), expanded=False)
    started = time.perf_counter()
    try:
        st.session_state[K + "plan"] = batch.plan_batch(
            store, choice.records, choice.prompts, model=choice.model, deid=deid, keep=choice.keep,
            reidentify=choice.reidentify, max_tokens=int(choice.max_tokens), destination=destination,
            mask=st.session_state.get(K + "masked", []), safe=st.session_state.get(K + "safe_marked", []),
            progress=lambda i, n: status.update(label=ui.t(
                "references.preview_running" if deid else "references.preview_preparing", i=i + 1, n=n)))
    except BaseException:
        status.update(label=ui.t("references.preview_failed"), state="error")
        raise
    status.update(label=ui.t("references.preview_ready", seconds=time.perf_counter() - started),
                  state="complete")
    st.session_state[K + "signature"] = choice.signature


def send_batch(store, plan: batch.BatchPlan, choice: Choice) -> None:
    """Create the OpenAI batch (and a job that follows it when asked)."""
    batch_id = batch.create_batch(store, plan, batch.openai_client(base_url=choice.base_url), base_url=choice.base_url)
    st.session_state[K + "batch_next"] = batch_id
    st.success(ui.t("references.sent_batch", batch=batch_id))
    if st.session_state.get(K + "follow"):
        jobs.submit(store, batch_job.KIND, {"batch_id": batch_id, "interval": 30}, title=f"follow {batch_id}")


def send_now(store, choice: Choice) -> None:
    """Generate the references through the chosen backend and show each outcome."""
    from clinsum.backends.base import GenerationOptions
    from clinsum.references.generate import generate_references

    outcomes = generate_references(
        store, choice.records, choice.backend, choice.model, prompt=choice.prompts[0], deid=choice.deid,
        keep=choice.keep, reidentify=choice.reidentify,
        options=GenerationOptions(temperature=0.2, max_new_tokens=int(choice.max_tokens)),
        backend_config={"base_url": choice.base_url} if choice.base_url else {},
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


def batches_section(store) -> None:
    st.subheader(ui.t("references.batches"))
    rows = batch.list_batches(store)
    if not rows:
        st.caption(ui.t("references.no_batches"))
        return
    ui.table(rows)
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
        texts = batch.result_texts(store, chosen)
        for item in finished:
            with st.expander(ui.plain(f"{item['record_id']} · {item['prompt_name']} → {item['reference_id']}")):
                ui.text_box(texts.get(item["reference_id"], ""), height=240)
    if failed:
        st.markdown(f"**{ui.t('references.failures')}**")
        ui.table([{k: i[k] for k in ("record_id", "prompt_name", "error")} for i in failed])


def audit_section(store) -> None:
    st.subheader(ui.t("references.audit"))
    rows = audit.list_sends(store, limit=50)
    if not rows:
        st.caption(ui.t("references.audit_empty"))
        return
    st.caption(ui.t("references.audit_help"))
    ui.table([{"sent_at": r["sent_at"], "who": r["who"], "backend": r["backend"], "host": r["host"],
               "purpose": r["purpose"], "gate": r["gate"], "mode": r["mode"], "records": ", ".join(r["records"]),
               "n_replaced": r["n_replaced"], "residues_accepted": ", ".join(r["residues_accepted"]),
               "payload_sha256": (r["payload_sha256"] or "")[:12]} for r in rows])
