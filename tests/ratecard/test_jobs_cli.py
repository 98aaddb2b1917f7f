"""`ratecard jobs ...` (ratecard/jobs_cli.py) against the test's database: tables, a SQL
job run with its progress, a queue job enqueued, the history, retry, schedules."""

from __future__ import annotations

import psycopg


def test_list_run_history_retry(cli, db: psycopg.Connection) -> None:
    code, out, _ = cli("jobs", "list")
    assert code == 0
    header, rule, *rows = out.splitlines()
    assert header.split()[:4] == ["job", "kind", "schedule", "by"]
    assert set(rule) <= {"-", " "}
    assert any(r.split()[:4] == ["expire_trials", "sql", "*/5", "*"] for r in rows)

    db.execute("create table public.scratch_rows (id integer primary key)")
    db.execute("insert into public.scratch_rows select generate_series(1, 5)")
    db.execute(
        "create function internal.job_cli_batches(p_args jsonb) returns jsonb"
        " language plpgsql security definer set search_path = '' as $$"
        " declare v integer; begin"
        " delete from public.scratch_rows where id in (select id from public.scratch_rows"
        "   order by id limit 2); get diagnostics v = row_count;"
        " if p_args ? 'fail' then raise exception 'broken' using errcode = 'RC005'; end if;"
        " return jsonb_build_object('deleted', v, 'more', v = 2); end $$"
    )
    db.execute("select internal.define_job('cli_batches', 'sql', 'test')")
    code, out, _ = cli("jobs", "run", "cli_batches")
    assert code == 0
    assert "step 1 done" in out and "step 2 done" in out  # progress as it goes
    assert "succeeded" in out and '{"deleted":5}' in out

    code, _, err = cli("jobs", "run", "cli_batches", "--args", '{"fail": true}')
    assert code == 1 and "broken" in err
    code, out, _ = cli("jobs", "history", "cli_batches")
    lines = out.splitlines()[2:]
    assert [ln.split()[2] for ln in lines] == ["failed", "succeeded"]
    failed_id = lines[0].split()[0]
    code, out, _ = cli("jobs", "retry", failed_id)
    assert code == 0 and f"run {failed_id} queued again as run" in out

    code, out, _ = cli("jobs", "run", "make_due_plan_changes")
    assert code == 0 and "queued for the worker" in out
    code, _, err = cli("jobs", "run", "nope")
    assert code == 1 and "unknown job: nope" in err
    code, _, err = cli("jobs", "run", "expire_trials", "--args", "[1]")
    assert code == 1 and "--args must be a JSON object" in err


def test_schedule_change(cli, db: psycopg.Connection) -> None:
    code, out, _ = cli("jobs", "schedule", "run_dunning", "*/15 * * * *")
    assert code == 0 and out.startswith("run_dunning: */15 * * * * (fired by worker)")
    assert db.execute("select schedule from api.jobs where name = 'run_dunning'").fetchone() == (
        "*/15 * * * *",
    )
    code, out, _ = cli("jobs", "schedule", "run_dunning", "off")
    assert code == 0 and "not scheduled" in out
    code, out, _ = cli("jobs", "schedule", "run_dunning", "default")
    assert code == 0 and "0 * * * *" in out
    code, _, err = cli("jobs", "schedule", "run_dunning", "every hour")
    assert code == 1 and "five fields" in err
