"""Shared helpers: timing statistics, rows, machine and library information, line fits."""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Shared with benchmarks/floor_app.py (which imports them from here).
#: Set to 1: the floor app freezes its start-up heap as the dashboard does
#: (``app.freeze_startup_heap``), for the load benchmark's "floor, frozen heap" line.
FREEZE_ENV = "REBALANCING_BENCH_FLOOR_FREEZE"
#: The lever the app, AppTest and browser rows move: a global lever, so each move re-solves
#: the status quo (its drift is cached by the global levers) as well as every path.
BENCH_LEVER = "global.monetary_response"
FLOOR_VALUES = (1.0, 1.05)  # Results drawn for even / odd slider steps
LEVER_LABEL = "Monetary policy response (x Taylor (1993))"


def log(msg: str) -> None:
    """Progress goes to stderr; stdout carries only the table."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def stats(samples: list[float]) -> dict:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
        "samples": list(samples),
    }


def repeat(fn: Callable[[], object], n: int) -> list[float]:
    """Wall time (time.perf_counter) of ``n`` calls, one sample per call."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


@dataclass
class Row:
    id: str
    what: str
    unit: str  # unit of the numbers shown (ms, s, MB)
    scale: float  # seconds/bytes -> shown unit
    measured: dict | None = None  # stats() in base units (s or bytes)
    floor: dict | None = None
    target: float | None = None  # ratio <= target; None = info only
    notes: dict = field(default_factory=dict)
    error: str | None = None
    text: str | None = None  # free text shown instead of numbers (scaling rows)

    @property
    def ratio(self) -> float | None:
        if self.measured and self.floor and self.floor["median"] > 0:
            return self.measured["median"] / self.floor["median"]
        return None

    @property
    def passed(self) -> bool | None:
        if self.error:
            return False
        if self.target is None or self.ratio is None:
            return None
        return self.ratio <= self.target

    def cell(self, s: dict | None) -> str:
        if not s:
            return "-"

        def f(v):
            return _fmt(v * self.scale)

        return f"{f(s['median'])} {self.unit} [{f(s['min'])}, {f(s['max'])}] n={s['n']}"

    def markdown(self, k: int) -> str:
        if self.error:
            return f"| {k} | {self.what} | ERROR: {self.error} | | | | fail |"
        if self.text is not None:
            return f"| {k} | {self.what} | {self.text} | - | - | info | - |"
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}"
        target = "info" if self.target is None else f"<= {self.target:g}"
        verdict = {True: "pass", False: "**FAIL**", None: "-"}[self.passed]
        return (
            f"| {k} | {self.what} | {self.cell(self.measured)} | {self.cell(self.floor)} "
            f"| {ratio} | {target} | {verdict} |"
        )

    def to_json(self) -> dict:
        def conv(s):
            if s is None:
                return None
            return {
                **{
                    k: (v * self.scale if k in ("median", "min", "max") else v)
                    for k, v in s.items()
                    if k != "samples"
                },
                "samples": [v * self.scale for v in s["samples"]],
            }

        return {
            "id": self.id,
            "what": self.what,
            "unit": self.unit,
            "measured": conv(self.measured),
            "floor": conv(self.floor),
            "ratio": self.ratio,
            "target_ratio_max": self.target,
            "pass": self.passed,
            "error": self.error,
            "text": self.text,
            "notes": self.notes,
        }


def _fmt(v: float) -> str:
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


HEADER = (
    "| # | what | measured median [min, max] | floor median [min, max] (same run) "
    "| ratio | target | result |\n|---|---|---|---|---|---|---|"
)


def machine() -> dict:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        import psutil

        mem = round(psutil.virtual_memory().total / 2**30, 1)
    except Exception:  # noqa: BLE001
        pass
    return {
        "cores": os.cpu_count(),
        "cpu_model": model or platform.processor() or "unknown",
        "memory_gib": mem,
        "platform": platform.platform(),
    }


def versions() -> dict:
    out = {"python": platform.python_version()}
    for name in ("numpy", "pandas", "plotly", "streamlit", "statsmodels", "playwright", "psutil"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    try:
        import subprocess

        out["chromium"] = (
            subprocess.run(
                ["/usr/bin/chromium", "--version"], capture_output=True, text=True, timeout=20
            ).stdout.strip()
            or None
        )
    except Exception:  # noqa: BLE001
        out["chromium"] = None
    return out


def linfit(x: list[float], y: list[float]) -> dict:
    """Least squares y = a + b x; returns a, b and R^2."""
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((xi - mx) ** 2 for xi in x)
    sxy = sum((xi - mx) * (yi - my) for xi, yi in zip(x, y))
    b = sxy / sxx
    a = my - b * mx
    ss_tot = sum((yi - my) ** 2 for yi in y)
    ss_res = sum((yi - a - b * xi) ** 2 for xi, yi in zip(x, y))
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else math.nan
    return {"a": a, "b": b, "r2": r2}
