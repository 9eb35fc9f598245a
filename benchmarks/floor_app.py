"""Floor app for the benchmarks: the least a Streamlit app can do to show the same output.

It draws exactly what the dashboard's default "Compare paths" view draws (the seven figures of
``rebalancing.charts.compare_charts`` with ``st.plotly_chart(..., theme=None)``, one a row
under the same keys, and the 2030 and 2035 headline tables) from
precomputed ``rebalancing.Results``, with ONE slider (key ``global.monetary_response``, same label,
range and step as the dashboard's lever). The slider's value is used only to pick which of
two precomputed Results to draw (parity of its step index), so every one-step move changes
the figures and forces a full redraw, but no model runs.

With ``REBALANCING_BENCH_FLOOR_FREEZE=1`` it first freezes its start-up heap as the dashboard
does (``app.freeze_startup_heap``), so the load benchmark can show how much of the gap that
tuning alone closes.

Its two Results are computed once per server process (``st.cache_resource``), on the
first session's first run, as the dashboard computes its own.

    python3 -m streamlit run benchmarks/floor_app.py
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run benchmarks/floor_app.py` puts only
    sys.path.insert(0, str(ROOT))  # benchmarks/ on the path

import streamlit as st  # noqa: E402

from benchmarks.common import (  # noqa: E402
    BENCH_LEVER,
    FLOOR_VALUES,
    FREEZE_ENV,
    LEVER_LABEL,
)
from rebalancing import charts  # noqa: E402


@st.cache_resource(show_spinner=False)
def precomputed():
    import rebalancing as rb

    return tuple(rb.simulate(rb.Scenario().with_values({BENCH_LEVER: c})) for c in FLOOR_VALUES)


@st.cache_resource(show_spinner=False)
def freeze_startup_heap() -> int:
    """As the dashboard's (app.py): build the charts once, then gc.freeze() what is alive."""
    charts.compare_charts(precomputed()[0])
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


st.set_page_config(page_title="Benchmark floor", layout="wide")
if os.environ.get(FREEZE_ENV) == "1":
    freeze_startup_heap()
with st.sidebar:
    value = st.slider(
        LEVER_LABEL, min_value=0.25, max_value=2.0, value=1.0, step=0.05, key=BENCH_LEVER
    )
results = precomputed()
res = results[int(round(value / 0.05)) % 2]

figs = charts.compare_charts(res)
for cid, fig in figs.items():  # one chart a row, as the dashboard draws them
    st.plotly_chart(fig, key=f"chart_{cid}", theme=None)
for year in (2030, 2035):
    st.table(charts.formatted(charts.headline_table(res, year)))
