"""Long jobs as real processes: progress, graceful stop, kill -9, resume without duplicates."""

from __future__ import annotations

import os
import signal
import time

from clinsum import jobs

KIND = "tests.job_handlers:count_items"


def items(store) -> list[int]:
    return [r[0] for r in store.execute("SELECT i FROM test_items ORDER BY i")]


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_job_runs_in_its_own_process_and_reports_progress(store) -> None:
    job_id = jobs.submit(store, KIND, {"n": 5, "delay": 0.01})
    row = jobs.wait(store, job_id, timeout=60)
    assert row["status"] == "done", row
    assert items(store) == [0, 1, 2, 3, 4]
    info = jobs.info(store, job_id)
    assert info["progress"]["done"] == 5 and info["progress"]["total"] == 5
    events = [e["event"] for e in jobs.read_log(store, job_id)]
    assert events[0] == "start" and events[-1] == "done" and events.count("item") == 5


def test_graceful_stop_then_resume_finishes_without_duplicates(store) -> None:
    job_id = jobs.submit(store, KIND, {"n": 60, "delay": 0.05})
    wait_for(lambda: jobs.read_progress(store, job_id).get("done", 0) >= 3)
    jobs.request_stop(store, job_id)
    assert jobs.wait(store, job_id, timeout=30)["status"] == "stopped"
    partial = items(store)
    assert 3 <= len(partial) < 60
    jobs.resume(store, job_id)
    assert jobs.wait(store, job_id, timeout=60)["status"] == "done"
    assert items(store) == list(range(60))


def test_killed_job_is_marked_failed_and_resumes(store) -> None:
    job_id = jobs.submit(store, KIND, {"n": 40, "delay": 0.05})
    wait_for(lambda: jobs.read_progress(store, job_id).get("done", 0) >= 3)
    pid = jobs.info(store, job_id)["pid"]
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: jobs.refresh(store, job_id)["status"] == "failed")
    assert "unexpectedly" in jobs.info(store, job_id)["error"]
    jobs.resume(store, job_id)
    assert jobs.wait(store, job_id, timeout=60)["status"] == "done"
    assert items(store) == list(range(40))


def test_a_crashing_handler_is_recorded_with_its_traceback(store) -> None:
    job_id = jobs.submit(store, "tests.job_handlers:explode", {}, spawn=False)
    assert jobs.run_job(store, job_id) == "failed"
    assert "handler bug" in jobs.info(store, job_id)["error"]
    assert "Traceback" in jobs.read_log(store, job_id)[-1]["traceback"]


def test_jobs_sharing_a_resource_run_one_at_a_time(store) -> None:
    first = jobs.submit(store, KIND, {"n": 20, "delay": 0.05}, resource="gpu")
    wait_for(lambda: jobs.refresh(store, first)["status"] == "running")
    second = jobs.submit(store, "tests.job_handlers:explode", {}, resource="gpu")
    time.sleep(0.5)
    assert jobs.refresh(store, second)["status"] == "queued"
    assert jobs.wait(store, first, timeout=60)["status"] == "done"
    assert jobs.wait(store, second, timeout=60)["status"] == "failed"


def test_cli_lists_follows_stops_and_resumes_jobs(store, capsys) -> None:
    import json

    from clinsum.cli import main

    ws = ["-w", str(store.root)]
    job_id = jobs.submit(store, KIND, {"n": 60, "delay": 0.05}, title="count to 60")
    wait_for(lambda: jobs.read_progress(store, job_id).get("done", 0) >= 2)
    assert main([*ws, "jobs", "list", "--kind", KIND]) == 0
    listed = capsys.readouterr().out
    assert job_id in listed and "running" in listed and "/60 (" in listed
    assert main([*ws, "jobs", "stop", job_id]) == 0
    assert main([*ws, "jobs", "wait", job_id, "--timeout", "30"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"{job_id}: stopped")
    assert main([*ws, "jobs", "show", job_id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "stopped" and shown["events"][-1]["event"] == "stopped"
    assert 2 <= len(items(store)) < 60
    assert main([*ws, "jobs", "resume", job_id, "--wait"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"{job_id}: done")
    assert items(store) == list(range(60))
    assert main([*ws, "jobs", "show", "no-such-job"]) == 4
    assert "No job 'no-such-job'" in capsys.readouterr().err


def test_cli_wait_reports_a_failed_job_and_a_timeout(store, capsys) -> None:
    from clinsum.cli import main

    ws = ["-w", str(store.root)]
    failing = jobs.submit(store, "tests.job_handlers:explode", {})
    assert main([*ws, "jobs", "wait", failing, "--timeout", "60"]) == 1
    assert "handler bug" in capsys.readouterr().out
    slow = jobs.submit(store, KIND, {"n": 200, "delay": 0.05})
    assert main([*ws, "jobs", "wait", slow, "--timeout", "0.5"]) == 124
    assert "still" in capsys.readouterr().err
    assert main([*ws, "jobs", "stop", slow]) == 0
    assert jobs.wait(store, slow, timeout=30)["status"] == "stopped"


def test_a_stop_request_racing_the_jobs_own_end_keeps_its_final_status(store, monkeypatch) -> None:
    """The job saw STOP (or finished) and wrote its status between the request's read and its
    write: the request must not turn it back into 'stopping' (then 'failed' once the process is
    gone)."""
    job_id = jobs.submit(store, KIND, {"n": 2, "delay": 0.0}, spawn=False)
    assert jobs.run_job(store, job_id) == "done"
    stale = {**jobs._row(store, job_id), "status": "running", "pid": None}  # as read just before the end
    monkeypatch.setattr(jobs, "_row", lambda _store, _job_id: stale)
    jobs.request_stop(store, job_id)
    monkeypatch.undo()
    assert jobs.refresh(store, job_id)["status"] == "done"


KEY = "sk-live" + "Q1w2E3r4T5y6U7i8O9p0"


def test_secrets_never_reach_the_workspace(store, capsys) -> None:
    """An API key in a job's config was stored in jobs.config, printed by `jobs list --json`
    and readable in the SQL console: configs, logs and errors are scrubbed before writing."""
    import json

    from clinsum import explorer as ex
    from clinsum.cli import main

    config = {"backend": "openai", "api_key": KEY, "raw": KEY, "nested": {"hf_token": "hf_" + "a" * 24},
              "base_url": "http://user:pa55word@host:8000/v1", "max_new_tokens": 64}
    job_id = jobs.submit(store, "tests.job_handlers:leak_config", config, spawn=False)
    assert jobs.run_job(store, job_id) == "failed"
    stored = store.scalar("SELECT CAST(config AS VARCHAR) || coalesce(error, '') FROM jobs WHERE id = ?", [job_id])
    log = (jobs.job_dir(store, job_id) / "log.jsonl").read_text()
    for text in (stored, log):
        assert KEY not in text and "hf_aaaa" not in text and "pa55word" not in text
    assert "[redacted]" in stored and '"max_new_tokens": 64' in stored
    assert main(["-w", str(store.root), "jobs", "list", "--json"]) == 0
    listed = capsys.readouterr().out
    assert KEY not in listed and json.loads(listed.splitlines()[0])["config"]["api_key"] == "[redacted]"
    dump = ex.run_sql(store, "SELECT * FROM jobs").df.to_csv()
    assert KEY not in dump and "pa55word" not in dump


def test_secrets_stored_by_an_older_version_are_scrubbed_on_upgrade(tmp_path, monkeypatch) -> None:
    import json

    from clinsum import explorer as ex
    from clinsum.store import Store, migrate

    every = migrate.known_migrations()
    older = [m for m in every if m.name != "0002_jobs_scrub"]
    monkeypatch.setattr(migrate, "known_migrations", lambda: older)
    monkeypatch.setattr("clinsum.store.known_migrations", lambda: older)
    old = Store.open(tmp_path / "ws")
    old.execute("INSERT INTO jobs (id, kind, status, config, error) VALUES ('g1', 'grid', 'failed', ?, ?)",
                [json.dumps({"grid": {"models": [{"backend": "openai", "api_key": KEY}], "max_new_tokens": 8}}),
                 f"rejected {KEY}"])
    monkeypatch.undo()
    upgraded = Store.open(tmp_path / "ws")
    dump = ex.run_sql(upgraded, "SELECT config, error FROM jobs").df.to_csv()
    assert KEY not in dump and "[redacted]" in dump and "max_new_tokens" in dump
