from __future__ import annotations

import statistics


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(name: str, samples_s: list[float], *, budget_ms: float) -> str:
    ms = [s * 1000 for s in samples_s]
    p99 = percentile(ms, 0.99)
    return (
        f"{name}: n={len(ms)} median={statistics.median(ms):.3f} ms p99={p99:.3f} ms max={max(ms):.3f} ms "
        f"budget={budget_ms:g} ms -> {'within' if p99 <= budget_ms else 'OVER'} budget"
    )
