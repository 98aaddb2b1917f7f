"""What a run measured, and how it is printed: one row per pair and client count."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    pair: str
    clients: int
    unit: str
    figure: float  # Ratecard
    baseline: float
    target: float  # minimum ratio figure / baseline

    @property
    def ratio(self) -> float:
        return self.figure / self.baseline if self.baseline else 0.0

    @property
    def met(self) -> bool:
        return self.ratio >= self.target


def _num(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def table(results: list[Result]) -> str:
    """A Markdown table of the results."""
    lines = [
        "| pair | clients | Ratecard | baseline | unit | ratio | target | met |",
        "|---|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.pair} | {r.clients} | {_num(r.figure)} | {_num(r.baseline)} | {r.unit} "
            f"| {r.ratio:.2f} | >= {r.target:g} | {'yes' if r.met else '**no**'} |"
        )
    return "\n".join(lines)
