"""`ratecard report revenue | capacity` (ratecard/cli.py): readable tables and JSON that
agree with the HTTP routes on the demo data."""

from __future__ import annotations

import json

from litestar.testing import TestClient

from tests.api.conftest import Demo


def test_revenue_report(cli, client: TestClient, demo: Demo) -> None:
    # HTTP first: the CLI sets up logging on the captured stderr
    http = client.get("/v1/admin/analytics/kpis", headers=demo.admin).json()
    months = client.get("/v1/admin/analytics/movements", headers=demo.admin).json()
    code, out, err = cli("report", "revenue", "--months", "3")
    assert code == 0, err
    assert "646.00" in out and "7,752.00" in out and "323.00" in out  # MRR, ARR, ARPA
    assert "MRR movements, last 3 months" in out and "Forecast" in out
    code, out, _ = cli("report", "revenue", "--json", "--currency", "usd")
    report = json.loads(out)
    assert [k["mrr_cents"] for k in report["kpis"]] == [k["mrr_cents"] for k in http] == [64600]
    assert report["months"][-1]["net_cents"] == months[-1]["net_cents"] == 64600
    code, _, err = cli("report", "revenue", "--months", "0")
    assert code == 1 and err.splitlines()[-1] == "error: --months must be 1 to 120"


def test_capacity_report(cli, client: TestClient, demo: Demo) -> None:
    client.post("/v1/admin/platform-health/snapshot", headers=demo.admin)
    code, out, err = cli("report", "capacity")
    assert code == 0, err
    assert "status: ok" in out and "Current tier: Starter" in out and "members" in out
    code, out, _ = cli("report", "capacity", "--json")
    assert json.loads(out)["capacity"]["tenants_total"] == 3
