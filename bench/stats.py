"""The numbers of a run: latency percentiles, throughput and the ratio to the baseline."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Every page must serve at least half as many requests per second as the baseline.
GOAL_RATIO = 0.5


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile, interpolated linearly between the closest ranks."""
    if not samples:
        raise ValueError("no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile out of range: {q}")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(samples: Sequence[float]) -> float:
    return percentile(samples, 50)


def throughput(count: int, elapsed_s: float) -> float:
    """Requests per second over the wall-clock time of the whole measurement."""
    if elapsed_s <= 0:
        raise ValueError(f"elapsed time must be positive, got {elapsed_s}")
    return count / elapsed_s


def ratio(rps: float | None, baseline_rps: float | None) -> float | None:
    if rps is None or not baseline_rps:
        return None
    return rps / baseline_rps


def meets_goal(value: float | None) -> bool:
    return value is not None and value >= GOAL_RATIO


@dataclass(frozen=True)
class Summary:
    count: int
    median_ms: float
    p95_ms: float
    rps: float


def summarise(latencies_ms: Sequence[float], elapsed_s: float) -> Summary:
    return Summary(
        count=len(latencies_ms),
        median_ms=median(latencies_ms),
        p95_ms=percentile(latencies_ms, 95),
        rps=throughput(len(latencies_ms), elapsed_s),
    )
