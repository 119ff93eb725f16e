"""A run's results: one row per page, judged against the baseline, as a table and as JSON."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import stats


@dataclass
class PageResult:
    """What was seen of one page; `judge()` turns it into a verdict."""

    name: str
    method: str
    path: str
    expected_status: int
    # Set when the page could not be measured at all.
    setup_error: str | None = None
    probe_status: int | None = None
    probe_detail: str = ""
    # Status code -> number of measured responses.
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    summary: stats.Summary | None = None
    queries: int | None = None
    inprocess_status: int | None = None
    ratio: float | None = None
    # A page held to a latency goal (a staff page) rather than to the throughput ratio.
    max_median_ms: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        if self.max_median_ms is not None:
            return not self.problems and self.summary is not None
        return not self.problems and stats.meets_goal(self.ratio)

    def judge(self, baseline_rps: float | None) -> None:
        """Set the ratio to the baseline and say what, if anything, makes the page fail."""
        expected = self.expected_status
        problems = []
        if self.setup_error:
            problems.append(self.setup_error)
        if self.probe_status is not None and self.probe_status != expected:
            detail = f" ({self.probe_detail})" if self.probe_detail else ""
            problems.append(f"answered {self.probe_status}, expected {expected}{detail}")
        unexpected = {code: n for code, n in self.statuses.items() if code != expected}
        if unexpected:
            total = sum(self.statuses.values())
            listed = ", ".join(f"{code} to {n}" for code, n in sorted(unexpected.items()))
            problems.append(f"answered {listed} of {total} requests, expected {expected}")
        if self.errors:
            samples = "; ".join(self.error_samples)
            problems.append(f"{self.errors} requests got no answer ({samples})")
        if self.inprocess_status not in {None, expected, self.probe_status}:
            problems.append(f"the in-process request answered {self.inprocess_status}")
        self.ratio = stats.ratio(self.summary.rps if self.summary else None, baseline_rps)
        if self.max_median_ms is not None:
            if self.summary is not None and self.summary.median_ms > self.max_median_ms:
                median, goal = self.summary.median_ms, self.max_median_ms
                problems.append(f"median {median:.0f} ms, goal under {goal:.0f} ms")
        elif self.summary is not None and self.ratio is None:
            problems.append("no baseline to compare with")
        elif self.ratio is not None and not stats.meets_goal(self.ratio):
            problems.append(
                f"{self.ratio:.2f} of the baseline's throughput, goal {stats.GOAL_RATIO:.2f}"
            )
        self.problems = problems

    def status_text(self) -> str:
        if self.statuses:
            return "/".join(str(code) for code in sorted(self.statuses))
        return "-" if self.probe_status is None else str(self.probe_status)

    def to_dict(self) -> dict[str, Any]:
        summary = self.summary
        return {
            "name": self.name,
            "method": self.method,
            "path": self.path,
            "expected_status": self.expected_status,
            "probe_status": self.probe_status,
            "statuses": {str(code): n for code, n in sorted(self.statuses.items())},
            "errors": self.errors,
            "requests": summary.count if summary else 0,
            "median_ms": _round(summary.median_ms if summary else None, 3),
            "p95_ms": _round(summary.p95_ms if summary else None, 3),
            "rps": _round(summary.rps if summary else None, 2),
            "queries": self.queries,
            "inprocess_status": self.inprocess_status,
            "ratio": _round(self.ratio, 3),
            "max_median_ms": self.max_median_ms,
            "ok": self.ok,
            "problems": list(self.problems),
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


COLUMNS = ("page", "method", "status", "median ms", "p95 ms", "req/s", "queries", "ratio", "ok")
# Text columns read best left-aligned, numbers right-aligned so their digits line up.
_LEFT = {"page", "method", "status", "ok"}


def table_rows(results: Sequence[PageResult]) -> list[tuple[str, ...]]:
    rows = []
    for result in results:
        summary = result.summary
        rows.append(
            (
                result.name,
                result.method,
                result.status_text(),
                _number(summary.median_ms if summary else None, 1),
                _number(summary.p95_ms if summary else None, 1),
                _number(summary.rps if summary else None, 1),
                "-" if result.queries is None else str(result.queries),
                _number(result.ratio, 2),
                "ok" if result.ok else "FAIL",
            )
        )
    return rows


def format_table(results: Sequence[PageResult]) -> str:
    rows = [COLUMNS, *table_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.ljust(width) if column in _LEFT else cell.rjust(width)
            for column, cell, width in zip(COLUMNS, row, widths, strict=True)
        ]
        return "  ".join(cells).rstrip()

    return "\n".join(line(row) for row in rows)


def format_problems(results: Sequence[PageResult]) -> str:
    lines = [
        f"FAIL {result.name} ({result.method} {result.path}): {problem}"
        for result in results
        for problem in result.problems
    ]
    return "\n".join(lines)


def build(metadata: dict[str, Any], results: Sequence[PageResult]) -> dict[str, Any]:
    return {
        **metadata,
        "goal_ratio": stats.GOAL_RATIO,
        "ok": all(result.ok for result in results),
        "pages": [result.to_dict() for result in results],
    }


def write(report: dict[str, Any], paths: Sequence[Path]) -> None:
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
