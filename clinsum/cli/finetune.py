"""``clinsum finetune``: datasets, presets, training jobs, adapters, exports."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from clinsum.cli.output import print_table


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("finetune", help="LoRA/QLoRA fine-tuning on validated references")
    fsub = p.add_subparsers(dest="finetune_command", metavar="ACTION", required=True)

    d = fsub.add_parser("dataset", help="build, list or show training datasets")
    dsub = d.add_subparsers(dest="dataset_command", metavar="ACTION", required=True)
    q = dsub.add_parser("build", help="a new dataset version from references or a JSONL file")
    q.add_argument("--name", required=True)
    q.add_argument("--base-model", required=True, help="local model folder (its tokenizer and chat template)")
    q.add_argument("--jsonl", default=None, help="instruction/input/output or messages JSONL (default: references)")
    q.add_argument("--statuses", default="validated,edited", help="reference statuses to use")
    q.add_argument("--template", default="auto", help="auto, model, chatml, llama3, mistral, plain")
    q.add_argument("--val", type=float, default=0.2, help="validation fraction (split by record)")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--cut-percentile", type=float, default=None, help="drop examples above this length percentile")
    q.add_argument("--max-tokens", type=int, default=None, help="drop examples longer than this")
    q.add_argument("--instruction", default=None, help="system instruction (default: by record language)")
    q.set_defaults(func=lambda a: _dataset_build(open_store(a), a))
    q = dsub.add_parser("list", help="one line per dataset version")
    q.set_defaults(func=lambda a: _dataset_list(open_store(a)))
    q = dsub.add_parser("show", help="statistics and rendered examples of a dataset")
    q.add_argument("dataset", help="id, NAME or NAME@VERSION")
    q.add_argument("--examples", type=int, default=1, help="rendered training examples to print")
    q.set_defaults(func=lambda a: _dataset_show(open_store(a), a.dataset, a.examples))

    q = fsub.add_parser("tiny-model", help="build a tiny random-weight demonstration model to try the flow on CPU")
    q.add_argument("dir", nargs="?", default=None, help="target folder (default: <workspace>/models/tiny-demo)")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--rebuild", action="store_true", help="replace a model already in DIR")
    q.set_defaults(func=lambda a: _tiny_model(open_store(a), a.dir, a.seed, a.rebuild))

    q = fsub.add_parser("presets", help="list the presets, or write one to a config file")
    q.add_argument("--write", nargs=2, metavar=("PRESET", "FILE"), help="write PRESET to FILE (.toml or .json)")
    q.set_defaults(func=_presets)

    q = fsub.add_parser("run", help="train with a config file (.toml/.json)")
    q.add_argument("config")
    q.add_argument("--detach", action="store_true", help="start the job in the background and return")
    q.set_defaults(func=lambda a: _run(open_store(a), a.config, a.detach))
    for name, helptext in (("stop", "ask a job to stop (a checkpoint is kept)"),
                           ("resume", "resume a stopped or failed job from its last checkpoint"),
                           ("status", "a job's progress, losses and result")):
        q = fsub.add_parser(name, help=helptext)
        q.add_argument("job")
        if name == "resume":
            q.add_argument("--detach", action="store_true")
        if name == "status":
            q.add_argument("--json", action="store_true")
        q.set_defaults(func=lambda a, n=name: _job_action(open_store(a), n, a))

    q = fsub.add_parser("prefs", help="a preference set (chosen/rejected) from the pairwise judgements")
    q.add_argument("--name", required=True)
    q.add_argument("--criterion", default="overall", help="the pairwise criterion that decides")
    q.add_argument("--min-margin", type=float, default=0.5, help="below this |mean judgement| a pair is a tie")
    q.add_argument("--min-agreement", type=float, default=0.75,
                   help="share of the physicians preferring a side who chose the mean's side")
    q.add_argument("--min-annotators", type=int, default=1)
    q.add_argument("--val", type=float, default=0.25, help="held-out fraction (split by record)")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--dry-run", action="store_true", help="print the counts without saving")
    q.set_defaults(func=lambda a: _prefs(open_store(a), a))
    q = fsub.add_parser("dpo", help="preference-tune (DPO/IPO) with a config file (.toml/.json)")
    q.add_argument("config", help='a config file; preset = "tiny-cpu", dataset, base_model, method, beta, start_adapter')
    q.add_argument("--detach", action="store_true", help="start the job in the background and return")
    q.set_defaults(func=lambda a: _dpo(open_store(a), a.config, a.detach))
    q = fsub.add_parser("before-after", help="start the before/after grid of a preference-tuned adapter")
    q.add_argument("adapter", help="adapter id or name")
    q.add_argument("--max-new-tokens", type=int, default=256)
    q.set_defaults(func=lambda a: _before_after(open_store(a), a))
    q = fsub.add_parser("round", help="a new blinded pairwise round from a finished before/after grid")
    q.add_argument("grid", help="the grid's job id")
    q.set_defaults(func=lambda a: _round(open_store(a), a.grid))

    q = fsub.add_parser("adapters", help="the adapters trained in this workspace")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=lambda a: _adapters(open_store(a), a.json))

    q = fsub.add_parser("export", help="merged weights, or GGUF + Ollama Modelfile")
    q.add_argument("adapter", help="adapter id or name")
    how = q.add_mutually_exclusive_group(required=True)
    how.add_argument("--merged", action="store_true")
    how.add_argument("--gguf", action="store_true")
    q.add_argument("--out", default=None, help="folder for merged weights")
    q.add_argument("--quant", default="q4_k_m", help="llama-quantize type (f16: none)")
    q.add_argument("--ollama", default=None, metavar="NAME", help="also `ollama create NAME`")
    q.set_defaults(func=lambda a: _export(open_store(a), a))


def _dataset_build(store, a) -> int:
    from clinsum.finetune import datasets
    from clinsum.finetune.models import load_tokenizer

    source = "jsonl" if a.jsonl else "references"
    text = Path(a.jsonl).read_text(encoding="utf-8") if a.jsonl else None
    statuses = tuple(s.strip() for s in a.statuses.split(",") if s.strip())
    examples, problems = datasets.collect_examples(store, source, jsonl_text=text, statuses=statuses,
                                                   instruction=a.instruction)
    built = datasets.build(examples, load_tokenizer(a.base_model), template=a.template, val_fraction=a.val,
                           seed=a.seed, cut_percentile=a.cut_percentile, max_tokens=a.max_tokens)
    options = {"statuses": list(statuses), "template": a.template, "val_fraction": a.val, "seed": a.seed,
               "cut_percentile": a.cut_percentile, "max_tokens": a.max_tokens, "instruction": a.instruction,
               "jsonl": a.jsonl}
    row = datasets.save_dataset(store, a.name, built, source=source, base_model=a.base_model, options=options)
    for problem in problems:
        print(f"  skipped: {problem}")
    print(f"dataset {row['ref']} ({row['id']}): {row['n_train']} train, {row['n_val']} validation, "
          f"{built.stats['n_dropped']} dropped by length; template {built.template}")
    return 0


def _dataset_list(store) -> int:
    from clinsum.finetune.datasets import list_datasets

    rows = list_datasets(store)
    for r in rows:
        r["p95_tokens"] = r["stats"].get("tokens", {}).get("p95")
    print_table(rows, ["id", "ref", "source", "template", "n_train", "n_val", "p95_tokens", "created_at"])
    return 0


def _dataset_show(store, ref: str, n_examples: int) -> int:
    from clinsum.finetune.datasets import get_dataset, load_split

    row = get_dataset(store, ref)
    print(json.dumps({k: row[k] for k in ("id", "ref", "source", "base_model", "template", "n_train", "n_val",
                                          "stats", "options", "path")}, indent=2, ensure_ascii=False, default=str))
    for ex in load_split(row, "train")[:n_examples]:
        print(f"\n--- {ex.id} (record {ex.group}, {ex.n_tokens} tokens)\n{ex.text}")
    return 0


def _tiny_model(store, folder: str | None, seed: int, rebuild: bool) -> int:
    from clinsum.finetune.tiny import create_tiny_model

    path = create_tiny_model(store, folder, seed=seed, rebuild=rebuild)
    print(f"tiny demonstration model (random weights, learns only what it is trained on): {path}")
    print(f"next: clinsum finetune dataset build --name demo --base-model {path}")
    return 0


def _presets(a) -> int:
    from clinsum.config import workspace_path
    from clinsum.finetune.config import PRESETS, preset, save_config

    if a.write:
        name, path = a.write
        print(f"wrote {save_config(preset(name, workspace=workspace_path(a.workspace)), path)}")
        return 0
    for name, item in PRESETS.items():
        print(f"{name}\n    {item['description']}")
    return 0


def _run(store, config_path: str, detach: bool) -> int:
    from clinsum.finetune.config import load_config
    from clinsum.finetune.job import submit_run

    return _follow(store, submit_run(store, load_config(config_path, store.root), spawn=detach), detach, "training")


def _follow(store, job_id: str, detach: bool, what: str) -> int:
    """Say how to follow a detached job, or run it in this process and print where it ended."""
    from clinsum import jobs

    if detach:
        print(f"started job {job_id}; follow it with `clinsum finetune status {job_id}`")
        return 0
    print(f"job {job_id}: {what} in this process (Ctrl-C stops it with a checkpoint)")
    status = jobs.run_job(store, job_id)
    _print_status(store, job_id)
    return 0 if status in ("done", "stopped") else 1


def _prefs(store, a) -> int:
    from clinsum.finetune import preferences as pf

    rule = pf.PairRule(a.criterion, a.min_margin, a.min_agreement, a.min_annotators)
    built = pf.build(store, rule, val_fraction=a.val, seed=a.seed)
    stats = built.stats
    print(f"{stats['n_judgements']} judgements on {stats['n_items']} pairs: {stats['n_train']} train, "
          f"{stats['n_val']} held out ({len(stats['val_records'])} records); left out: {stats['excluded'] or 'none'}")
    print_table([{"physician": k, **v} for k, v in stats["per_physician"].items()],
                ["physician", "judgements", "train", "val", "tie", "low_agreement", "few_annotators"])
    if not a.dry_run:
        row = pf.save(store, a.name, built, {"val_fraction": a.val, "seed": a.seed})
        print(f"preference set {row['ref']} ({row['id']})")
    return 0


def _dpo(store, config_path: str, detach: bool) -> int:
    from clinsum.finetune.dpo import load_preference_config
    from clinsum.finetune.preference_job import submit_preference

    job_id = submit_preference(store, load_preference_config(config_path, store.root), spawn=detach)
    return _follow(store, job_id, detach, "preference tuning")


def _before_after(store, a) -> int:
    from clinsum.experiments import submit_grid
    from clinsum.finetune.before_after import before_after_grid

    grid_id = submit_grid(store, before_after_grid(store, a.adapter, max_new_tokens=a.max_new_tokens))
    print(f"started grid {grid_id}; then `clinsum finetune round {grid_id}` makes a blinded round of it")
    return 0


def _round(store, grid_id: str) -> int:
    from clinsum.finetune.before_after import round_from_grid

    print(f"{round_from_grid(store, grid_id)} new blinded before/after pairs")
    return 0


def _job_action(store, action: str, a) -> int:
    from clinsum import jobs

    if action == "stop":
        jobs.request_stop(store, a.job)
        print(f"stop requested for {a.job}; it stops after the current step and keeps a checkpoint")
    elif action == "resume":
        jobs.resume(store, a.job, spawn=a.detach)
        if not a.detach:
            status = jobs.run_job(store, a.job)
            _print_status(store, a.job)
            return 0 if status in ("done", "stopped") else 1
        print(f"resumed {a.job}")
    else:
        _print_status(store, a.job, as_json=a.json)
    return 0


def _print_status(store, job_id: str, as_json: bool = False) -> None:
    from clinsum.finetune.logs import job_summary

    summary = job_summary(store, job_id)
    job = summary["job"]
    if as_json:
        print(json.dumps({k: v for k, v in summary.items() if k != "job"} | {"status": job["status"],
                         "error": job["error"], "progress": job["progress"]}, default=str, ensure_ascii=False))
        return
    progress = job["progress"]
    print(f"{job_id}: {job['status']}  step {progress.get('done', 0)}/{progress.get('total') or '?'}"
          f"  elapsed {progress.get('elapsed_s', 0)} s, remaining {progress.get('eta_s', '?')} s")
    train, evals = summary["curves"]["train"], summary["curves"]["eval"]
    if train:
        print(f"  train loss {train[0]['loss']} -> {train[-1]['loss']}")
    if evals and evals[-1].get("perplexity") is not None:
        print(f"  eval loss {evals[-1]['eval_loss']}  perplexity {evals[-1]['perplexity']}")
    if evals and evals[-1].get("preference_accuracy") is not None:
        print(f"  held-out preference accuracy {evals[0]['preference_accuracy']} -> "
              f"{evals[-1]['preference_accuracy']}, reward margin {evals[-1]['reward_margin']}")
    for notice in summary["notices"]:
        print(f"  note: {notice}")
    if job["error"]:
        print(f"  error: {job['error']}")
    if summary["result"]:
        r = summary["result"]
        print(f"  trainable {r['trainable_params']:,} ({r['trainable_pct']}%), adapter {r['adapter_mb']} MB "
              f"vs base {r['base_mb']} MB, {r['train_seconds']} s, peak RAM {r['peak_rss_mb']} MB")


def _adapters(store, as_json: bool) -> int:
    from clinsum.finetune.adapters import list_adapters

    rows = list_adapters(store)
    if as_json:
        for r in rows:
            print(json.dumps(r, default=str, ensure_ascii=False))
        return 0
    for r in rows:
        res = r["results"]
        r.update(final_loss=res.get("final_loss"), eval_loss=res.get("final_eval_loss"),
                 adapter_mb=res.get("adapter_mb"), trainable_pct=res.get("trainable_pct"))
    print_table(rows, ["id", "name", "base_model", "final_loss", "eval_loss", "trainable_pct", "adapter_mb",
                       "adapter_path"])
    return 0


def _export(store, a) -> int:
    from clinsum.finetune import export

    if a.merged:
        print(f"merged weights: {export.export_merged(store, a.adapter, a.out)}")
        return 0
    for key, value in export.export_gguf(store, a.adapter, a.quant, a.ollama).items():
        print(f"{key}: {value}")
    return 0
