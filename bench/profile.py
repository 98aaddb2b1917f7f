"""--profile: where the time of a Ratecard run goes, from pg_stat_statements.

The server is switched to pg_stat_statements.track = all (statements inside functions are
counted too) and track_planning = on for one extra, unmeasured run of the workload; the
statements that took most time are listed with their calls, mean time and plans per call.
A nested statement with as many plans as calls is a SQL function that PostgreSQL could not
inline and parses and plans again on every call: the first thing to look at.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.server import BenchServer

TOP = """
select s.calls, s.plans, s.mean_exec_time * 1000, s.total_exec_time,
       left(regexp_replace(s.query, '\\s+', ' ', 'g'), 110)
  from pg_stat_statements s
 where s.dbid = (select oid from pg_database where datname = current_database())
   and s.calls > 0
   and s.query !~* 'pg_stat_statements|pg_reload_conf|^(checkpoint|vacuum|set |alter system)'
 order by s.total_exec_time desc
 limit %s
"""


def _track(server: BenchServer, on: bool) -> None:
    with server.connect() as conn:
        conn.execute("create extension if not exists pg_stat_statements")
        for name, value in (("track", "all"), ("track_planning", "on")):
            if on:
                conn.execute(f"alter system set pg_stat_statements.{name} = '{value}'")
            else:
                conn.execute(f"alter system reset pg_stat_statements.{name}")
        conn.execute("select pg_reload_conf()")
        conn.execute("select pg_stat_statements_reset()")


def profile(server: BenchServer, title: str, workload: Callable[[], object], top: int = 10) -> str:
    """Run `workload` with statement tracking on; return a text table of the top statements."""
    _track(server, on=True)
    try:
        workload()
        with server.connect() as conn:
            rows = conn.execute(TOP, (top,)).fetchall()
    finally:
        _track(server, on=False)
    lines = [
        f"{title}",
        f"{'calls':>9} {'plans/call':>10} {'mean us':>9} {'total ms':>9}  statement",
    ]
    for calls, plans, mean_us, total_ms, query in rows:
        per_call = plans / calls if calls else 0.0
        lines.append(f"{calls:>9,} {per_call:>10.2f} {mean_us:>9.1f} {total_ms:>9.0f}  {query}")
    return "\n".join(lines)
