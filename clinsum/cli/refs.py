"""``clinsum refs``: reference summaries — generate a few through a backend, or many as an OpenAI batch."""

from __future__ import annotations

import argparse
import time

from clinsum.cli.output import print_table
from clinsum.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("refs", help="reference summaries: generate, OpenAI batches")
    rsub = p.add_subparsers(dest="refs_command", metavar="ACTION", required=True)

    q = rsub.add_parser("generate", help="a few references at once through any backend")
    _selection(q)
    q.add_argument("--backend", required=True, help="ollama, openai, openai-compatible, …")
    q.add_argument("--model", required=True)
    q.add_argument("--base-url", default=None, help="server URL for HTTP backends")
    q.add_argument("--max-tokens", type=int, default=700)
    q.set_defaults(func=lambda a: _generate(open_store(a), a))

    p = rsub.add_parser("batch", help="OpenAI Batch API: create, status, fetch, retry, cancel")
    bsub = p.add_subparsers(dest="batch_command", metavar="ACTION", required=True)
    q = bsub.add_parser("create", help="preview, estimate and (with --yes) send a batch")
    _selection(q)
    q.add_argument("--model", default="gpt-4o-mini")
    q.add_argument("--base-url", default=None, help="OpenAI-compatible URL (default: $OPENAI_BASE_URL or OpenAI)")
    q.add_argument("--max-tokens", type=int, default=700)
    q.add_argument("--preview", action="store_true", help="print exactly what would be sent")
    q.add_argument("--yes", action="store_true", help="send it (without: only the estimate and preview)")
    q.set_defaults(func=lambda a: _create(open_store(a), a))
    q = bsub.add_parser("status", help="list batches, or poll one (and fetch it once finished)")
    q.add_argument("batch_id", nargs="?")
    q.add_argument("--wait", action="store_true", help="poll until finished")
    q.add_argument("--interval", type=float, default=30.0)
    q.set_defaults(func=lambda a: _status(open_store(a), a))
    q = bsub.add_parser("fetch", help="download results of a finished batch and store them")
    q.add_argument("batch_id")
    q.set_defaults(func=lambda a: _fetch(open_store(a), a))
    q = bsub.add_parser("retry", help="send the failed requests of a batch again")
    q.add_argument("batch_id")
    q.set_defaults(func=lambda a: _retry(open_store(a), a))
    q = bsub.add_parser("cancel", help="cancel a batch")
    q.add_argument("batch_id")
    q.set_defaults(func=lambda a: _cancel(open_store(a), a))

    q = rsub.add_parser("audit", help="the local log of everything sent through the privacy gate")
    q.add_argument("--record", default=None, help="only sends that carried this record")
    q.add_argument("--limit", type=int, default=50)
    q.set_defaults(func=lambda a: _audit(open_store(a), a))

    q = rsub.add_parser("privacy", help="show or change the privacy gate's workspace settings")
    q.add_argument("--inside", action="append", default=None, metavar="HOST",
                   help="a host inside the hospital (repeatable; replaces the list; 'loopback' = this machine)")
    q.add_argument("--gate-inside", choices=["on", "off"], default=None,
                   help="run the gate for hosts inside too (default off)")
    q.add_argument("--mode", choices=["placeholders", "surrogates"], default=None)
    q.add_argument("--forget-safe", action="store_true", help="forget the residues marked safe for good")
    q.set_defaults(func=lambda a: _privacy(open_store(a), a))


def _selection(q: argparse.ArgumentParser) -> None:
    q.add_argument("record_ids", nargs="*", help="record ids (default with --all: every record)")
    q.add_argument("--all", action="store_true", help="every record without a reference yet")
    q.add_argument("--prompt", action="append", default=None,
                   help="built-in prompt name (reference-es, reference-en) or your own text; repeatable")
    q.add_argument("--no-deid", action="store_true", help="send the records as they are (NOT de-identified)")
    q.add_argument("--keep", default="", help="PHI types to leave in, e.g. EDAD_SUJETO_ASISTENCIA,SEXO_SUJETO_ASISTENCIA")
    q.add_argument("--no-reidentify", action="store_true", help="store answers with placeholders")
    q.add_argument("--accept-residues", action="store_true",
                   help="send even though the residual scan found possible identifiers (logged)")
    q.add_argument("--mask-residues", action="store_true", help="mask every residue the scan finds as [PHI_n]")
    q.add_argument("--safe", action="append", default=[], metavar="TEXT",
                   help="a residue that is not an identifier (repeatable)")


def _records(store, args) -> list[str]:
    if args.record_ids:
        return list(args.record_ids)
    if args.all:
        return [r[0] for r in store.execute(
            "SELECT id FROM records r WHERE NOT EXISTS (SELECT 1 FROM reference_summaries s WHERE s.record_id = r.id)"
            " ORDER BY imported_at, id")]
    raise InputError("Name the records to use, or --all.", hint="`clinsum records list` shows the ids.")


def _keep(args) -> list[str]:
    from clinsum.deid.types import PHI_TYPES

    keep = [k.strip() for k in args.keep.split(",") if k.strip()]
    bad = [k for k in keep if k not in PHI_TYPES]
    if bad:
        raise InputError(f"Unknown PHI type(s): {', '.join(bad)}.", hint=f"Known: {', '.join(PHI_TYPES)}.")
    return keep


def _gate_line(store, url: str | None) -> str:
    """One visible line: is the privacy gate on for this destination, and in which mode."""
    from clinsum.privacy.settings import host_of, is_inside, load_settings

    settings = load_settings(store)
    if url is None:
        return "privacy gate: not needed (the model runs on this machine)"
    host = host_of(url)
    if is_inside(url, settings) and not settings.gate_inside:
        return f"privacy gate: OFF for {host} (inside the hospital per workspace settings)"
    return f"privacy gate: ON for {host} (mode: {settings.mode})"


def _print_residues(residues: list[str]) -> None:
    print(f"{len(residues)} possible identifier(s) remain after de-identification:")
    for text in residues:
        print(f"  - {text}")
    print("mask them (--mask-residues), mark some safe (--safe TEXT), or accept them (--accept-residues)")


def _generate(store, args) -> int:
    from clinsum.backends.base import GenerationOptions, get_backend
    from clinsum.references.generate import generate_references

    config = {"base_url": args.base_url} if args.base_url else {}
    ids = _records(store, args)
    engine = get_backend(args.backend, args.model, **config)
    print(_gate_line(store, getattr(engine, "base_url", None) or getattr(engine, "host", None)))
    outcomes = generate_references(
        store, ids, args.backend, args.model, prompt=(args.prompt or [None])[0],
        deid=not args.no_deid, keep=_keep(args), reidentify=not args.no_reidentify,
        options=GenerationOptions(temperature=0.2, max_new_tokens=args.max_tokens), backend_config=config,
        mask=args.mask_residues, safe=args.safe, accept_residues=args.accept_residues,
        on_done=lambda o: print(f"{o.record_id}: " + (f"reference {o.reference_id}" if o.reference_id
                                                      else f"FAILED {o.error}" + (f" ({o.hint})" if o.hint else ""))),
    )
    blocked = sorted({r for o in outcomes for r in (o.residues or [])})
    if blocked:
        _print_residues(blocked)
        return 3
    return 0 if all(o.reference_id for o in outcomes) else 5


def _create(store, args) -> int:
    from clinsum.references import batch

    plan = batch.plan_batch(store, _records(store, args), args.prompt or [None], model=args.model,
                            deid=not args.no_deid, keep=_keep(args), reidentify=not args.no_reidentify,
                            max_tokens=args.max_tokens, destination=batch.batch_url(args.base_url),
                            mask=args.mask_residues, safe=args.safe)
    est = plan.estimate
    cost = f"~${est.cost_usd:.4f} (at most ${est.cost_usd_max:.4f})" if est.cost_usd is not None else \
        "unknown (model not in the price table; add it to <workspace>/prices.toml)"
    print(f"{est.requests} request(s) to {plan.model}; ~{est.input_tokens} input tokens, "
          f"≤{est.output_tokens} output tokens; batch cost {cost}")
    print("de-identified: " + ("yes" if plan.deid else "NO — records are sent as they are"))
    print(_gate_line(store, plan.destination))
    if args.preview:
        for custom_id, out, _ in plan.items:
            print(f"--- {custom_id} = {out.record_id} · {out.prompt.name} ({out.n_phi} PHI replaced, "
                  f"{len(out.residues)} residue(s); the record id stays here)")
            for m in out.messages:
                print(f"[{m['role']}] {m['content']}")
    residues = plan.residues()
    if residues:
        _print_residues(residues)
    if not args.yes:
        print("nothing sent; add --yes to send this batch")
        return 0
    if residues and not args.accept_residues:
        print("refused: nothing sent")
        return 3
    batch_id = batch.create_batch(store, plan, base_url=args.base_url, accept_residues=args.accept_residues)
    print(f"batch {batch_id} sent: remote id {batch.get_batch(store, batch_id)['remote_id']}")
    return 0


def _status(store, args) -> int:
    from clinsum.references import batch

    if not args.batch_id:
        print_table(batch.list_batches(store), ["id", "status", "model", "n_items", "n_done", "n_failed",
                                                "remote_id", "created_at"])
        return 0
    row = batch.get_batch(store, args.batch_id)
    client = batch.openai_client(base_url=row["base_url"])
    while True:
        row = batch.refresh(store, args.batch_id, client)
        print(f"{row['id']}: {row['status']} (remote {row['remote_status']}) {row['request_counts'] or ''}")
        if not args.wait or row["status"] == "fetched":
            break
        time.sleep(args.interval)
    return 0


def _fetch(store, args) -> int:
    from clinsum.references import batch

    row = batch.get_batch(store, args.batch_id)
    row = batch.refresh(store, args.batch_id, batch.openai_client(base_url=row["base_url"]))
    if row["status"] != "fetched":
        print(f"{row['id']} is {row['remote_status']}; results come once it has finished")
        return 0
    items = batch.batch_items(store, args.batch_id)
    print_table(items, ["custom_id", "status", "reference_id", "error"])
    return 0


def _retry(store, args) -> int:
    from clinsum.references import batch

    new = batch.retry_failed(store, args.batch_id)
    print(f"failed requests sent again as batch {new}")
    return 0


def _cancel(store, args) -> int:
    from clinsum.references import batch

    row = batch.get_batch(store, args.batch_id)
    row = batch.cancel(store, args.batch_id, batch.openai_client(base_url=row["base_url"]))
    print(f"{row['id']}: {row['status']}")
    return 0


def _audit(store, args) -> int:
    from clinsum.privacy.audit import list_sends

    rows = list_sends(store, limit=args.limit, record_id=args.record)
    if not rows:
        print("nothing has been sent through the privacy gate from this workspace")
        return 0
    for row in rows:
        row["records"] = ",".join(row["records"])
        row["residues_accepted"] = "; ".join(row["residues_accepted"]) or "-"
        row["payload_sha256"] = row["payload_sha256"][:16]
    print_table(rows, ["sent_at", "who", "backend", "host", "purpose", "gate", "mode", "records", "n_chars",
                       "n_replaced", "payload_sha256", "residues_accepted"])
    return 0


def _privacy(store, args) -> int:
    from clinsum.privacy.settings import load_settings, save_settings

    settings = load_settings(store)
    changed = False
    if args.inside is not None:
        settings.inside_hosts, changed = [h for arg in args.inside for h in arg.split(",")], True
    if args.gate_inside is not None:
        settings.gate_inside, changed = args.gate_inside == "on", True
    if args.mode is not None:
        settings.mode, changed = args.mode, True
    if args.forget_safe:
        settings.safe_words, changed = [], True
    if changed:
        settings = save_settings(store, settings)
    print(f"hosts inside the hospital: {', '.join(settings.inside_hosts) or '(none: every server is outside)'}")
    print(f"gate for hosts inside: {'ON' if settings.gate_inside else 'OFF'}; other hosts: always ON")
    print(f"mode: {settings.mode}")
    print(f"residues marked safe for good: {len(settings.safe_words)}")
    return 0
