"""Admin job routes (api/routes/admin.py): GET /v1/admin/jobs, GET /v1/admin/jobs/runs,
POST /v1/admin/jobs/{name}/run."""

from __future__ import annotations

import psycopg
from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error


def test_list_jobs(client: TestClient, demo: Demo) -> None:
    r = client.get("/v1/admin/jobs", headers=demo.admin)
    assert r.status_code == 200, r.text
    jobs = {j["name"]: j for j in r.json()}
    assert jobs["expire_trials"]["kind"] == "sql"
    assert jobs["expire_trials"]["schedule"] == "*/5 * * * *"
    assert jobs["sync_stripe_status"]["kind"] == "queue"
    assert jobs["expire_trials"]["next_run_at"] is not None
    assert client.get("/v1/admin/jobs", headers=demo.service).status_code == 403


def test_run_a_job_then_see_its_run(client: TestClient, demo: Demo, db: psycopg.Connection) -> None:
    r = client.post(
        "/v1/admin/jobs/purge_job_runs/run",
        json={"args": {"older_than": "1 day"}, "dedupe_key": "by-hand"},
        headers=demo.admin,
    )
    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]
    assert r.json() == {"run_id": run_id, "job": "purge_job_runs"}
    again = client.post(
        "/v1/admin/jobs/purge_job_runs/run", json={"dedupe_key": "by-hand"}, headers=demo.admin
    )
    assert again.json()["run_id"] == run_id  # still queued: nothing added
    assert client.post("/v1/admin/jobs/expire_trials/run", headers=demo.admin).status_code == 202
    r = client.get("/v1/admin/jobs/runs?job=purge_job_runs&status=queued", headers=demo.admin)
    assert r.status_code == 200
    [run] = r.json()
    assert (run["id"], run["status"], run["via"]) == (run_id, "queued", "queue")
    assert run["args"] == {"older_than": "1 day", "batch": 5000}
    assert "ratecard_authenticator" in run["requested_by"]
    assert len(client.get("/v1/admin/jobs/runs?limit=1", headers=demo.admin).json()) == 1


def test_job_route_errors(client: TestClient, demo: Demo) -> None:
    h = demo.admin
    assert_error(client.post("/v1/admin/jobs/nope/run", headers=h), 404, "job_not_found")
    assert_error(
        client.post("/v1/admin/jobs/expire_trials/run", json={"args": [1]}, headers=h),
        422,
        "invalid_request",
    )
    assert_error(
        client.post("/v1/admin/jobs/expire_trials/run", json={"dedupe_key": ""}, headers=h),
        422,
        "invalid_argument",  # checked in SQL (api.enqueue_job)
    )
    assert_error(client.get("/v1/admin/jobs/runs?status=done", headers=h), 422, "invalid_argument")
    assert_error(client.get("/v1/admin/jobs/runs?limit=0", headers=h), 422, "invalid_argument")
