"""Rebalancing dashboard: read the widgets, call ``rebalancing``, draw.

    bash .ci/setup && python3 -m streamlit run app.py

Widget keys are the scenario's lever ids (``orderly.kappa``), which are also the URL
parameters of a share link. No model logic here: see ``rebalancing/``.
"""

from __future__ import annotations

import functools
import gc
import math
import re
import threading
import urllib.parse
from pathlib import Path

import pandas as pd
import streamlit as st

import rebalancing as rb
from rebalancing import charts, export, workers
from rebalancing.data import data_key
from rebalancing.errors import markdown_text as md
from rebalancing.errors import shown
from rebalancing.goalseek import instruments as goalseek_instruments
from rebalancing.levers import CONSISTENT_RANGES, validated_range
from rebalancing.pinned import Pinned, parse_with_pinned
from rebalancing.scenario import (
    LEVERS,
    PATHABLE,
    ScenarioError,
    format_note,
    load_document,
    validate_value,
)
from rebalancing.share import MAX_LINK_CHARS, cut_query, link_too_long, parse_link, to_query
from rebalancing.story import PATH_DESCRIPTIONS, goal_sentence, summary, with_labels

VIEWS = {
    "compare": "Compare paths",
    "mirror": "World mirror",
    "sectoral": "Sectoral balances",
    "history": "History & projection",
    "accounts": "Accounts",
    "goal": "What would it take?",
    "sensitivity": "What drives it?",
    "validation": "Validation",
}
GROUP_HELP = {"global": "Settings shared by every path.", **rb.PATH_HELP}
#: The page icon, served by the dashboard's own server (no request to another host).
PAGE_ICON = str(Path(__file__).resolve().parent / "assets" / "page_icon.png")


# --- cached computations ----------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def freeze_startup_heap() -> int:
    """Once per server process: move what the imports built into the garbage collector's
    permanent generation (``gc.freeze``) and return how many objects that is.

    Streamlit runs a full ``gc.collect(2)`` after every script run (``runner.postScriptGC``);
    its cost grows with every object the process tracks, and most are modules' (Streamlit,
    plotly's validators, pandas, NumPy, this package) that live as long as the process. Under
    20 sessions py-spy found that collection taking 31% of the server's CPU. Frozen objects
    are skipped by collections, so each one scans only what runs created. Built first: the
    default charts (plotly imports a validator class per property on first use), so they are
    frozen too. The cost: frozen objects that later become garbage are not freed, and at this
    point nothing but import-time state and caches is alive.
    """
    charts.compare_charts(rb.simulate(rb.Scenario()))
    gc.collect()
    gc.freeze()
    start_model_workers()
    return gc.get_freeze_count()


def start_model_workers() -> None:
    """Start the worker processes the lever moves' model runs go to (``model_run``) and warm
    each with the default scenario (its imports, calibration, status-quo steering and
    charts: ~1 s), in the background: until they answer, runs are made here."""
    for _ in range(workers.run_workers()):  # one warm-up each: each takes an idle one
        threading.Thread(
            target=workers.simulate_and_draw_in_worker,
            args=(rb.Scenario(),),
            kwargs={"wait": 30},
            daemon=True,
        ).start()


@st.cache_resource(show_spinner=False, max_entries=128)
def model_run(scenario_json: str, data: str) -> tuple[rb.Results, dict | None]:
    """The model run, cached by the scenario (its JSON text) and the data in use: its
    Results and, where the worker made the run, the compare view's charts at the default
    style that the worker drew from them (``charts.figure_specs``), else None.

    A resource, not data: every session that asks for the same scenario gets the same
    Results object, with the variables its charts and tables derived from it the first time
    (about 5 ms a rerun to derive again; ``st.cache_data`` would hand out a fresh unpickled
    copy). Results and specs are never changed once built (figures are built anew from the
    specs each time). About 0.23 MB each with those variables, and ~0.1 MB of specs."""
    scn = rb.parse_scenario(scenario_json, "scenario.json")
    # In the worker process when it is idle (on the machine's other core, while this
    # session's thread waits without the interpreter lock that all sessions share); here
    # otherwise, and here again for a run the worker could not make, so that its error is
    # raised here as it would be.
    drawn = workers.simulate_and_draw_in_worker(scn, data=data)
    return drawn if drawn is not None else (rb.simulate(scn), None)


def run_model(scenario_json: str, data: str) -> rb.Results:
    """The Results of :func:`model_run`."""
    return model_run(scenario_json, data)[0]


@st.cache_data(show_spinner=False, max_entries=4)
def validation_frame(data: str) -> pd.DataFrame:
    """The published-results table (rebalancing.validate.frame): independent of the levers,
    cached per data vintage."""
    from rebalancing.validate import frame

    return frame()


@st.cache_resource(show_spinner=False, max_entries=16)
def fan_of(scenario_json: str, data: str):
    """Monte Carlo bands and crisis probability of a scenario (its seed and number of draws
    are levers): a pure function of the scenario, shared by every session (a Fan holds only
    quantiles, a few kB)."""
    from rebalancing.uncertainty import fan

    return fan(rb.parse_scenario(scenario_json, "scenario.json"))


@st.cache_data(show_spinner=False, max_entries=32)
def sobol_of(scenario_json: str, path: str, year: int, n: int, data: str) -> pd.DataFrame:
    """Sobol' indices of the US and China current accounts in ``year`` on ``path`` to every
    numeric lever (SALib): ~2 s at n = 32."""
    from rebalancing.sensitivity import sensitivity

    outputs = [f"{r}.current_account_pct_gdp@{year}" for r in ("US", "CN")]
    scn = rb.parse_scenario(scenario_json, "scenario.json")
    from rebalancing.sensitivity import parse_output

    return sensitivity(scn, [parse_output(o, path) for o in outputs], n=n)


@st.cache_data(show_spinner=False, max_entries=64)
def goal_of(scenario_json: str, target: str, instrument: str, data: str):
    from rebalancing.goalseek import goal_seek

    return goal_seek(rb.parse_scenario(scenario_json, "scenario.json"), target, instrument)


@st.cache_data(show_spinner=False, max_entries=64)
def goal_path_of(scenario_json: str, target: str, instrument: str, data: str):
    from rebalancing.goalseek import goal_seek_path

    return goal_seek_path(rb.parse_scenario(scenario_json, "scenario.json"), target, instrument)


@st.cache_data(show_spinner=False, max_entries=16)
def history_data(horizon: int):
    from rebalancing.history import history_frame, projection_frame

    return history_frame(), projection_frame(horizon)


# --- state: defaults, URL, upload ---------------------------------------------------------


def init_state() -> None:
    """First run of a session: every lever at its default, then the URL applied on top.

    Each bad URL parameter (unknown, malformed, out of range) gets one warning naming it
    and falls back to the default.
    """
    ss = st.session_state
    if ss.get("_initialised"):
        return
    ss["_initialised"] = True
    for lid, lev in LEVERS.items():
        set_lever(lid, lev.default)
    for key, value in (
        ("view", "compare"),
        ("path", "baseline"),
        ("present", False),
        ("fan", False),
        ("lever_group", "global"),
    ):
        set_lever(key, value)
    query = browser_query()
    values, warnings, n_bad = parse_link(query, VIEWS, ignored=cut_off(query))
    # Streamlit ignores a query of more than 1,000 parameters (st.query_params is empty):
    # the address is then rewritten by the first sync_url even if nothing else changed.
    ss["_url_rewrite"] = bool(query.strip("?&")) and not list(st.query_params)
    ss["_pinned"] = values.pop("pinned", None)
    ss["_lever_paths"] = values.pop("lever_paths", {})
    # A page that was open before this session began (the server restarted and the page
    # reconnected) sends its widgets as the user left them, including the one just moved,
    # with the address of the last run before the restart: its values win over the link's.
    sent = browser_values()
    for key, value in values.items():
        if key in sent:
            continue
        if key in ("year", "years"):  # applied when the view that shows them is drawn
            ss[f"_url_{key}"] = value
        else:
            set_lever(key, value)
    for key, value in sent.items():
        set_lever(key, value)
    ss["_url_warnings"] = (warnings, n_bad)


def keep_long_queries() -> None:
    """Once per server process: let a link of more than 1,000 parameters through to the
    app, cut to the first ``MAX_PARAMS``, so that it is reported and its address cleaned.

    Streamlit 1.67 drops the whole query string of such a link (or of one over 512 Ki
    characters) before the script runs (``app_session.sanitize_query_string``): the app
    saw no parameters, so it gave no warning and left the address as it was. Wrapped here:
    such a query keeps its first parameters, within Streamlit's limits, and the number cut
    off is noted for the session's first run (:func:`cut_off`). Streamlit internals,
    guarded: with another Streamlit nothing changes. Installed by the first run in the
    process, so the first session a new server serves still gets Streamlit's own handling.
    """
    try:
        from streamlit.runtime import app_session
        from streamlit.runtime.state import query_params as qp

        original = app_session.sanitize_query_string
        max_fields = int(qp.CLIENT_STATE_QUERY_STRING_MAX_FIELDS)
        max_chars = int(qp.CLIENT_STATE_QUERY_STRING_MAX_LENGTH)
    except Exception:  # noqa: BLE001 -- internals of another version: nothing to do
        return
    if hasattr(original, "cut_off"):
        return
    notes: dict[str, int] = {}

    def sanitize(query_string: str) -> str:
        if query_string.count("&") < max_fields and len(query_string) <= max_chars:
            return original(query_string)
        kept, rest = cut_query(query_string)
        if len(kept) > max_chars:  # a few very long parameters: none is kept
            kept, rest = cut_query(query_string, 0)
        while len(notes) >= 256:  # the oldest notes go (sessions read them at once)
            notes.pop(next(iter(notes)))
        notes[kept] = rest
        return original(kept)

    sanitize.cut_off = notes  # type: ignore[attr-defined]
    app_session.sanitize_query_string = sanitize


def cut_off(query: str) -> int:
    """How many parameters :func:`keep_long_queries` cut off the end of ``query`` (0: none
    or unknown)."""
    try:
        from streamlit.runtime import app_session

        return int(getattr(app_session.sanitize_query_string, "cut_off", {}).get(query, 0))
    except Exception:  # noqa: BLE001 -- another Streamlit
        return 0


def browser_query() -> str:
    """The query string of the address this session was opened with, as the browser sent
    it. Streamlit's ``st.query_params`` is empty for a query of more than 1,000
    parameters (or 512 Ki characters), which would leave such a link unreported and its
    address as it was; so the query is read from the script run's context (Streamlit
    1.67 internals; otherwise from ``st.query_params``)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        query = get_script_run_ctx().query_string
        if isinstance(query, str):
            return query
    except Exception:  # noqa: BLE001 -- another Streamlit: what st.query_params holds
        pass
    return urllib.parse.urlencode(
        {key: st.query_params.get_all(key) for key in st.query_params}, doseq=True
    )


def browser_values() -> dict:
    """Lever and view values the browser sent with this session's first run, by widget key.

    A page opened afresh sends none. A page that reconnects to a new session (after a
    server restart) sends every widget it shows; Streamlit holds them unread until each
    widget is drawn, so they are read here from the session's raw widget states (Streamlit
    1.67 internals; anything unexpected is skipped, and the link's values apply)."""
    try:
        from streamlit.runtime.state.common import user_key_from_element_id
        from streamlit.runtime.state.session_state_proxy import get_session_state

        raw = get_session_state()._state._new_widget_state.states
    except Exception:  # noqa: BLE001 -- another Streamlit: the link's values apply
        return {}
    out = {}
    for wid, state in list(raw.items()):
        proto = getattr(state, "value", None)
        key = user_key_from_element_id(wid)
        if key is None or not hasattr(proto, "WhichOneof"):
            continue
        try:
            value = _sent_value(key, proto)
        except (ValueError, KeyError, IndexError, ScenarioError):
            continue
        if value is not None:
            out[key] = value
    return out


def _sent_value(key: str, proto):
    """A widget state the frontend sent, as the app's value for ``key`` (None: not used)."""
    kind = proto.WhichOneof("value")
    if key in LEVERS:
        lev = LEVERS[key]
        if lev.kind == "bool" and kind == "bool_value":
            return validate_value(lev, proto.bool_value)
        if lev.kind == "choice" and kind == "string_value":
            return validate_value(lev, proto.string_value)
        if lev.kind in ("int", "float") and kind == "double_array_value":  # a slider
            (v,) = proto.double_array_value.data
            return validate_value(lev, int(v) if lev.kind == "int" and v == int(v) else v)
        if lev.kind == "int" and kind == "int_value":  # a number box (the seed)
            return validate_value(lev, proto.int_value)
        if lev.kind == "float" and kind == "double_value":
            return validate_value(lev, proto.double_value)
        return None
    if key in ("present", "fan") and kind == "bool_value":
        return proto.bool_value
    if key in ("view", "lever_group") and kind == "string_array_value":
        (label,) = proto.string_array_value.data
        if key == "view":
            return {v: k for k, v in VIEWS.items()}[label]
        (group,) = [
            g for g, t in rb.GROUP_TITLES.items() if label == t or label.startswith(f"{t} (")
        ]
        return group
    if key == "years" and kind == "string_array_value":
        return [int(y) for y in proto.string_array_value.data]
    return None


#: Widget keys besides the levers whose values must survive while their widget is hidden.
UI_KEYS = ("view", "present", "fan", "lever_group", "path", "year", "years", "dl_open", "pin_name")

#: What a UI key falls back to when neither its widget nor the saved copy holds a valid
#: value (year and years: the view that draws them chooses, from the horizon).
UI_DEFAULTS = {
    "view": "compare",
    "present": False,
    "fan": False,
    "lever_group": "global",
    "path": "baseline",
    "dl_open": False,
    "pin_name": "",
}


def valid(key: str, value) -> bool:
    """Whether ``value`` is one the app can use for widget key ``key`` (a lever or a UI
    key; other keys: any value). A widget can hand back a value that is not among its
    options: Streamlit 1.67's segmented control returns None when the browser sends an
    empty selection, which the browser does when the option it had selected was relabelled
    ("Orderly rebalancing (1 changed)" -> "Orderly rebalancing") in a run that did not also
    send the selection's new label."""
    try:
        if key in LEVERS:
            return validate_value(LEVERS[key], value) == value
        if key == "view":
            return value in VIEWS
        if key == "lever_group":
            return value in rb.GROUP_TITLES
        if key == "path":
            return value in rb.PATHS
        if key in ("present", "fan", "dl_open"):
            return isinstance(value, bool)
        if key == "year":
            return type(value) is int
        if key == "years":
            return isinstance(value, list) and all(type(y) is int for y in value)
        if key == "pin_name":
            return isinstance(value, str)
    except (ScenarioError, TypeError, ValueError):
        return False
    return True


def ui_value(key: str, ok=None, default=None, now: dict | None = None):
    """The value of widget key ``key`` the app uses now: the widget's (the session
    state's) if valid, else the copy saved when it was last valid, else ``default`` (or
    the key's UI default, or the lever's default); for a lever or UI key whose widget was
    not on screen in the last run, the saved copy first (:func:`lever_value` says why).
    ``ok``: a test of validity in this run (e.g. the year is one of this horizon's),
    besides :func:`valid`. ``now``: the session state as a dict, if the caller has read it
    already."""
    now = st.session_state.to_dict() if now is None else now
    good = (lambda v: valid(key, v)) if ok is None else (lambda v: valid(key, v) and ok(v))
    values = (now.get(key), now.get("_saved", {}).get(key))
    if (key in LEVERS or key in UI_KEYS) and key not in now.get("_shown", ()):
        values = values[::-1]
    for value in values:
        try:
            if value is not None and good(value):
                return value
        except (TypeError, ValueError):
            continue
    if default is not None:
        return default
    return LEVERS[key].default if key in LEVERS else UI_DEFAULTS.get(key)


def keep(key: str, ok=None, default=None):
    """Before drawing the widget of ``key``: its value (:func:`ui_value`) written back to
    the session state and saved, which returns it.

    Written on every run, not only when it changed: a widget whose value is set through the
    session state in a run tells the browser its value, and its label, in that run
    (``set_value``). Without it a widget drawn again in a fragment after a pause (the
    headline years after another view), or one whose labels change (the lever groups'
    counts of changed levers) in a run cut short by a rerun, showed no selection in the
    browser, which then sent an empty one with its next message: the years were lost and
    the lever group became None (KeyError). Widgets drawn after a pause also start from
    their saved value, so a view's pickers survive a visit to another view."""
    value = ui_value(key, ok, default)
    st.session_state[key] = value
    st.session_state.setdefault("_saved", {})[key] = value
    return value


def set_lever(lid: str, value) -> None:
    """Set a lever (or UI value) in the widget state and in the copy that outlives hidden
    widgets."""
    st.session_state[lid] = value
    st.session_state.setdefault("_saved", {})[lid] = value


def restore_hidden() -> None:
    """Restore every lever and UI value whose widget was not on screen in the last run.

    Streamlit drops the state of a widget that is not drawn, and a widget drawn again after
    a pause starts from its default; the sidebar draws one lever group at a time (none in
    presentation mode) and the path and year pickers only appear in some views. So values
    are restored from the copy saved at the end of each run, except for widgets that were
    on screen: their state holds the user's latest move.

    A value that is not valid (:func:`valid`: e.g. a segmented control that sent an empty
    selection) is replaced by the saved copy if that is valid, else by the default.
    """
    ss = st.session_state
    saved = ss.setdefault("_saved", {})
    shown = ss.get("_shown", set())
    now = ss.to_dict()  # one read: `key in st.session_state` costs ~0.1 ms a key
    for key in list(LEVERS) + list(UI_KEYS):
        if key in shown and key in now and valid(key, now[key]):
            continue
        if key in saved and valid(key, saved[key]):
            ss[key] = saved[key]
        elif key in now and not valid(key, now[key]):
            value = ui_value(key)
            if value is None:  # year, years: the view that draws them chooses
                del ss[key]
                saved.pop(key, None)
            else:
                ss[key] = saved[key] = value


#: The pickers a view draws (in the body fragment); the other keys are the sidebar's and the
#: header's, drawn by full runs only.
VIEW_KEYS = {"years", "fan", "path", "year"}


def remember(shown: set[str], part: set[str]) -> None:
    """Save the values of the keys in ``part`` (levers and UI keys) and which of them were on
    screen. Each part of the page (the full run's sidebar and header; the body fragment's
    view) records its own keys, since a fragment rerun does not reach the full run's end."""
    ss = st.session_state
    saved = ss.setdefault("_saved", {})
    now = ss.to_dict()
    saved.update({k: now[k] for k in part if k in now and valid(k, now[k])})
    ss["_shown"] = (ss.get("_shown", set()) - part) | (shown & part)


def reset(group: str | None) -> None:
    for lid, lev in LEVERS.items():
        if group is None or lev.group == group:
            set_lever(lid, lev.default)
            clear_path(lid)


def clear_path(lid: str) -> None:
    """Drop lever ``lid``'s path (a goal-seek's, a link's or a file's): moving its slider or
    resetting it returns the lever to one value for every year."""
    paths = st.session_state.get("_lever_paths") or {}
    if lid in paths:
        st.session_state["_lever_paths"] = {k: v for k, v in paths.items() if k != lid}


def upload_key() -> str:
    """The uploader's widget key: a new one after each file, which empties the uploader."""
    return f"upload_{st.session_state.get('_upload_n', 0)}"


def on_upload(key: str) -> None:
    """Apply an uploaded scenario file; a bad file changes nothing and says why.

    Then the bytes are given back: the file is dropped from Streamlit's uploaded-file
    manager and the uploader gets a new key (the old widget, and the copy of the file in its
    state, go at the end of this run), so a session holds no upload between files."""
    ss = st.session_state
    f = ss.get(key)
    if f is None:
        return
    try:
        try:
            content = f.getvalue()
            scn, pinned = parse_with_pinned(content, f.name)
            note = format_note(load_document(content, f.name))
        finally:
            release_upload(f)
    except ScenarioError as e:
        ss["_upload_msg"] = ("error", f"Scenario file not loaded: {e}")
        return
    for lid, v in scn.flat().items():
        set_lever(lid, v)
    ss["_lever_paths"] = scn.paths()
    text = f"Loaded {shown(f.name)}: {len(scn.changed())} lever(s) differ from the defaults."
    if pinned is not None:
        ss["_pinned"] = pinned
        text += f" Pinned for comparison: {pinned.name}."
    if note:
        text += " Note: " + with_labels(note) + "."
    ss["_upload_msg"] = ("success", text)


def release_upload(f) -> None:
    """Drop an uploaded file's bytes from Streamlit's uploaded-file manager (which otherwise
    keeps them until the session ends) and empty the uploader (a new widget key)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ss = st.session_state
    ss["_upload_n"] = ss.get("_upload_n", 0) + 1
    ctx = get_script_run_ctx()
    remove = getattr(getattr(ctx, "uploaded_file_mgr", None), "remove_file", None)
    if remove is not None and getattr(f, "file_id", None):  # MemoryUploadedFileManager's
        remove(ctx.session_id, f.file_id)


def lever_value(lid: str, now: dict, shown: set):
    """A lever's value: its widget's if the widget was on screen in the last full run
    (``shown``: ``ss["_shown"]``), else the saved copy (set_lever and remember keep it).
    Callbacks and fragment reruns run without restore_hidden.

    Not the session state's value for a lever whose widget is not drawn (another group's):
    once Streamlit drops the widget's state after a full run, the key reads the value last
    *written* to it (restore_hidden writes hidden levers), not the user's last move. A
    lever moved, its group left, then a lever of another group moved (a fragment rerun)
    ran the model with the first lever back at its old value. ``now``: the session state
    as a dict, read once for all the levers (``key in st.session_state`` costs ~0.1 ms a
    key; ``to_dict()`` ~0.05 ms for all of them)."""
    if lid in shown and lid in now:
        return now[lid]
    saved = now.get("_saved", {})
    return saved[lid] if lid in saved else now.get(lid, LEVERS[lid].default)


def current_scenario() -> rb.Scenario:
    """The scenario of the widgets, with the session's lever paths (years beyond the
    horizon left out: a shorter horizon drops them rather than refusing the setting)."""
    now = st.session_state.to_dict()
    shown = now.get("_shown", set())
    scn = rb.Scenario().with_values({lid: lever_value(lid, now, shown) for lid in LEVERS})
    paths = now.get("_lever_paths") or {}
    if not paths:
        return scn
    h = scn.global_.horizon
    return scn.with_paths({lid: {y: v for y, v in p.items() if y <= h} for lid, p in paths.items()})


def share_params(scn: rb.Scenario) -> dict[str, str]:
    """URL parameters that restore this exact view (rebalancing.share.to_query)."""
    now = st.session_state.to_dict()
    view, path, year, years = (ui_value(k, now=now) for k in ("view", "path", "year", "years"))
    return to_query(
        scn,
        view=view,
        path=path,
        year=year,
        years=years,
        default_years=now.get("_default_years"),
        present=bool(ui_value("present", now=now)),
        fan=bool(ui_value("fan", now=now)),
        pinned=now.get("_pinned"),
    )


def pin_current() -> None:
    """Pin the current settings under the name typed (a callback: runs before the rerun)."""
    ss = st.session_state
    try:
        ss["_pinned"] = Pinned(ss.get("pin_name") or "Pinned", current_scenario())
    except ScenarioError as e:
        ss["_pin_msg"] = str(e)


def unpin() -> None:
    st.session_state["_pinned"] = None


def pinned_results(pinned: Pinned | None):
    """(name, results) of the pinned scenario for the charts, or None; a pinned scenario
    that has no admissible solution is reported and dropped."""
    if pinned is None:
        return None
    try:
        return (pinned.name, run_model(rb.dumps_scenario(pinned.scenario), data_key()))
    except (rb.ModelError, rb.IdentityError) as e:
        st.warning(md(f"The pinned scenario {pinned.name} has no admissible solution: {e}"))
        return None
    except ScenarioError as e:  # e.g. outside the model-consistent engine's validated range
        st.warning(md(f"The pinned scenario {pinned.name} is not run: {with_labels(str(e))}"))
        return None


# --- widgets ------------------------------------------------------------------------------


def lever_widget(lev) -> None:
    label = f"{lev.label} ({lev.unit})" if lev.kind in ("int", "float") else lev.label
    rng = (
        f"{', '.join(lev.choices)}"
        if lev.choices
        else "on/off"
        if lev.kind == "bool"
        else f"{lev.lo} to {lev.hi} {lev.unit}"
    )
    if lev.id in CONSISTENT_RANGES:
        lo, hi = validated_range(lev.id)
        rng += f" (model-consistent expectations: {lo:g} to {hi:g}, the range it is validated for)"
    help_ = f"{lev.help}  \nRange: {rng}. Default: {lev.default}.  \nSource: {lev.source}"
    moved = {"key": lev.id, "help": help_, "on_change": lever_moved, "args": (lev.id,)}
    if lev.kind == "bool":
        st.toggle(label, **moved)
    elif lev.kind == "int" and (lev.hi - lev.lo) / lev.step > 10_000:  # a seed: type it
        st.number_input(label, min_value=lev.lo, max_value=lev.hi, step=lev.step, **moved)
    elif lev.kind == "choice":
        st.radio(label, options=list(lev.choices), horizontal=True, **moved)
    else:
        path = (st.session_state.get("_lever_paths") or {}).get(lev.id)
        st.slider(label, min_value=lev.lo, max_value=lev.hi, step=lev.step, **moved)
        if path:
            ys = sorted(path)
            st.caption(
                f"Follows a path in {ys[0]}-{ys[-1]} ({min(path.values()):.3g} to "
                f"{max(path.values()):.3g} {lev.unit}); the slider sets the other years. "
                "Moving the slider clears the path.",
                help="Set by 'What would it take?' (a path, year by year), a link or a file.",
            )


def group_label(scn: rb.Scenario, group: str) -> str:
    n = sum(1 for lid in scn.changed() if LEVERS[lid].group == group)
    label = rb.GROUP_TITLES[group] + (f" ({n} changed)" if n else "")
    st.session_state.setdefault("_group_labels", {})[group] = label
    return label


def lever_moved(lid: str) -> None:
    """A lever's callback. The sidebar shows the lever's new value already; what follows it
    is the summary, the view, the downloads and the share box, so only those fragments are
    redrawn,
    unless the sidebar itself must change: the lever had a path (its caption goes; moving
    the slider clears it) or its group's count of changed levers changes. A full rerun
    then, as before the session has drawn the fragments (a page reconnecting after a
    restart)."""
    ss = st.session_state
    if lid in (ss.get("_lever_paths") or {}):
        clear_path(lid)
        return
    group = LEVERS[lid].group
    drawn = ss.get("_group_labels", {}).get(group)
    if drawn is None or group_label(current_scenario(), group) != drawn:
        return  # the whole page
    redraw("summary", "view_part", "downloads")


def pin_controls() -> None:
    """A/B: pin the current settings under a name; the pinned scenario is drawn faintly on
    every chart and has its own columns in the headline table."""
    ss = st.session_state
    with st.sidebar:
        st.header("Compare two scenarios")
        pinned = ss.get("_pinned")
        if pinned is not None:
            n = len(pinned.scenario.changed())
            st.caption(md(f"Pinned: {pinned.name} ({n} lever(s) changed); drawn faintly."))
        keep("pin_name")
        st.text_input(
            "Name for the current settings",
            key="pin_name",
            max_chars=40,
            placeholder="e.g. Plan B",
            help="Letters, digits, spaces and - _ . , ( ) ' + only.",
        )
        a, b = st.columns(2)
        a.button(
            "Pin",
            key="pin",
            on_click=pin_current,
            icon=":material/push_pin:",
            help="Keep these settings for comparison, then move the levers.",
        )
        b.button("Unpin", key="unpin", on_click=unpin, disabled=pinned is None)
        msg = ss.pop("_pin_msg", None)
        if msg:
            st.error(md(f"Not pinned: {msg}"))


def sidebar_controls(scn: rb.Scenario) -> str:
    """The levers of one group at a time (the others keep their values): drawing all ~45
    sliders on every rerun cost Streamlit about 30 ms, a fifth of a lever move. Returns the
    group drawn."""
    with st.sidebar:
        st.header("Levers")
        st.caption("Each lever shows its unit; hover the (?) for range, default and source.")
        st.button(
            "Reset all to defaults",
            key="reset_all",
            on_click=reset,
            args=(None,),
            icon=":material/restart_alt:",
        )
        # In a container of its own (a fixed key): the uploader's key changes after each
        # file, and the page keeps the old one until the run ends; tests find it here.
        with st.container(key="uploader"):
            st.file_uploader(
                "Load a scenario file (JSON or TOML)",
                type=["json", "toml"],
                key=upload_key(),
                on_change=on_upload,
                args=(upload_key(),),
            )
        # The labels count the changed levers, so they change with a move, a reset or a
        # file; keep() sends the selection with its current label on every run (see there).
        group = keep("lever_group")
        picked = st.segmented_control(
            "Lever group",
            options=list(rb.GROUP_TITLES),
            key="lever_group",
            required=True,
            format_func=functools.partial(group_label, scn),
        )
        group = picked if picked in rb.GROUP_TITLES else group
        st.caption(GROUP_HELP[group])
        for lev in LEVERS.values():
            if lev.group == group:
                lever_widget(lev)
        st.button(
            f"Reset {rb.GROUP_TITLES[group].lower()}",
            key=f"reset_{group}",
            on_click=reset,
            args=(group,),
        )
    return group


# --- drawing ------------------------------------------------------------------------------


def digest(*parts) -> str:
    """Short fingerprint of what a deferred download depends on. Deferred download buttons
    carry it in their key: with a fixed key the browser keeps the first run's callable and
    would serve a stale file after a lever move (seen with Streamlit 1.67)."""
    import hashlib

    return hashlib.sha1(repr(parts).encode()).hexdigest()[:10]


@functools.lru_cache(maxsize=32)
def scenario_of(scn_json: str) -> rb.Scenario:
    """The scenario of a JSON text the app wrote itself, parsed once (every chart of a rerun
    needs it for its citation)."""
    return rb.parse_scenario(scn_json, "scenario.json")


def drawn_json() -> str | None:
    """The scenario file text of the results on screen: the last settings that solved
    (``summary_part`` keeps them on screen when the current ones do not)."""
    ss = st.session_state
    return ss.get("_last_good_json") or ss.get("_scenario_json")


def chart(fig, key: str, present: bool) -> None:
    st.plotly_chart(
        fig,
        key=key,
        theme=None,
        config={
            "displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": key, "scale": 2},
        },
    )
    if present:
        return
    ss = st.session_state
    # This run's charts of the view, for the downloads (one chart, the pack, the slides).
    scn_json = drawn_json()
    if ss.get("_view_figs", (None,))[0] != (ss["view"], scn_json):
        ss["_view_figs"] = ((ss["view"], scn_json), {})
    ss["_view_figs"][1][key] = fig


def chart_title(fig) -> str:
    """A chart's title as plain text (without its subtitle and markup)."""
    text = re.sub(r"<br>\s*<sup>.*", "", fig.layout.title.text or "", flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()


def chart_downloads(figs: dict, titles: dict, view: str, scn: rb.Scenario, link: str) -> None:
    """One chart of the view as PNG, SVG or HTML, each with the citation. One picker and
    three buttons in the sidebar: three buttons under each chart were 28 of a rerun's ~70
    elements and a fifth of its server time under 20 sessions (each deferred download is
    registered with Streamlit's media file manager on every run)."""
    ss = st.session_state
    keys = list(figs)
    if ss.get("dl_chart_pick") not in keys:
        ss["dl_chart_pick"] = keys[0]
    key = st.selectbox(
        "One chart (PNG, SVG or HTML, with the citation)",
        keys,
        format_func=titles.get,
        key="dl_chart_pick",
    )
    fig = figs[key]
    cit = export.citation(scn, link)
    static_ok = export.chromium_path() is not None
    tag = digest(cit.digest, key, link, titles[key])
    # One row in the sidebar's 240 px: small gaps and no icons (with icons HTML wrapped).
    row = st.container(horizontal=True, gap="small", key="dl_chart_row")
    for fmt, mime in (("png", "image/png"), ("svg", "image/svg+xml"), ("html", "text/html")):
        if fmt != "html" and not static_ok:
            continue
        row.download_button(
            fmt.upper(),
            data=functools.partial(export.export_figure, fig, fmt, cit),
            file_name=export.export_name(key, view, digest=cit.digest, ext=fmt),
            mime=mime,
            key=f"dl_{key}_{fmt}_{tag}",
            on_click="ignore",
        )
    if not static_ok:
        st.caption(export.INSTALL_HINT)


def view_compare(res: rb.Results, style, present: bool, pinned=None) -> None:
    ss = st.session_state
    if not present:
        keep("fan")
        st.toggle(
            "Show uncertainty: Monte Carlo bands and the probability of a crisis",
            key="fan",
            help="Each path's median with 50% and 90% bands from draws of the uncertain "
            "parameters (elasticities, policy response, risk premium, crisis timing and size, "
            "growth); the number of draws and the seed are global levers, so a shared link "
            "gives the same bands. Distributions and sources: the model documentation.",
        )
    fan = None
    if ss.get("fan"):
        with st.spinner("Drawing the uncertain parameters..."):
            fan = fan_of(drawn_json(), data_key())
    # drawn by the worker with the model run where it could (see model_run), else here
    specs = ss.get("_drawn_specs")
    if specs and fan is None and pinned is None and style == charts.Style():
        figs = charts.figures_from_specs(specs)
    else:
        figs = charts.compare_charts(res, style, pinned, fan)
    # one chart a row: half columns are too narrow for two panels below 1440 px
    for cid, fig in figs.items():
        chart(fig, f"chart_{cid}", present)
    if fan is not None:
        chart(charts.crisis_probability(fan, style), "chart_crisis", present)
        c = fan.crisis
        st.caption(
            f"Probability of a disorderly correction ({fan.draws:,} draws, seed {fan.seed}): "
            + "; ".join(
                f"{'US (deficit side)' if side == 'deficit' else 'China (surplus side)'} "
                + ", ".join(
                    f"{100 * c.by(y, side):.0f}% by {y}" for y in (2030, 2040) if y <= c.years[-1]
                )
                for side in ("deficit", "surplus")
            )
            + ". Assumption: the hazard rises with net foreign liabilities the same way for "
            "the US, which borrows in its own currency, as for other economies, so the US "
            "figure is an upper bound; the hazard levers are under Disorderly rebalancing. "
            f"Largest identity residual over the draws: {fan.max_residual:.1e} of world GDP."
        )
    headline_tables(res, present, pinned, fan)


def redraw(*keys: str) -> None:
    """A widget callback: rerun only the named fragments (and the share box, whose link
    follows every widget), not the whole page."""
    ss = st.session_state
    keys = (*keys, "share") if "share" in ss.get("_fragments", set()) else keys
    if not ss.get(DOWNLOADS_OPEN):  # a closed Download section has nothing to redraw
        keys = tuple(k for k in keys if k != "downloads")
    if not set(keys) <= ss.get("_fragments", set()):
        return  # not drawn yet in this session (a new one after a restart): the whole page
    ss["_redraw"] = ss.get("_redraw", set()) | set(keys)
    st.rerun(list(keys))


@st.fragment(key="headline")
def headline_tables(res: rb.Results, present: bool, pinned=None, fan=None) -> None:
    """The headline tables of the chosen years: a change of years redraws only this part."""
    st.subheader("Headline numbers")
    options = [int(y) for y in res.years[1:]]
    default = [y for y in (2030, 2035) if y in options] or options[-1:]
    st.session_state["_default_years"] = default
    url_years = st.session_state.pop("_url_years", None)
    if url_years is not None:
        bad = [y for y in url_years if y not in options]
        if bad:
            st.warning(
                md(
                    f"URL parameter years: {bad} outside {options[0]}-{options[-1]}; "
                    "using the default."
                )
            )
        else:
            st.session_state["years"] = url_years
    # a choice with a year past this horizon: the default (an empty choice stays empty)
    chosen = keep("years", lambda ys: set(ys) <= set(options), default)
    chosen = (
        chosen
        if present
        else st.multiselect(
            "Years", options=options, key="years", on_change=redraw, args=("headline",)
        )
    )
    pinned_scn = pinned[1].scenario if pinned is not None else None
    for year in chosen:
        table = charts.headline_table(res, year, pinned)
        # A real HTML table (not a canvas grid): readable in the browser, by screen readers
        # and on a shared screen. Formatted as text: a pandas Styler costs ~15 ms a table.
        st.table(charts.formatted(table).rename_axis(str(year)))
        if fan is not None:
            bands = charts.fan_table(fan, year)
            st.markdown(f"**Monte Carlo, {year}:** median (90% band) over {fan.draws:,} draws")
            st.table(bands.rename_axis(f"{year} bands"))
        if not present:
            st.download_button(
                f"Headline table {year} (CSV)",
                data=functools.partial(export.table_csv, table),
                file_name=f"headline_{year}.csv",
                mime="text/csv",
                # the table is a function of the results drawn, the pinned ones and the year
                key=f"dl_headline_{year}_{digest(res.scenario, pinned_scn, year)}",
                on_click="ignore",
            )
    note = (
        f"Per path: the current settings, the pinned scenario {pinned[0]} and their difference. "
        if pinned is not None
        else "Differences are each path minus the status quo in the same year. "
    )
    st.caption(
        md(note) + "GDP in USD bn at 2024 prices; ratios in % of GDP. " + charts.MODEL_SOURCE
    )
    asked = st.session_state.get("_redraw", set())
    if "headline" in asked:  # a change of years redrew this part alone: it keeps the URL
        st.session_state["_redraw"] = asked - {"headline"}
        sync_url()  # (drawn as part of the view, the view part keeps it, once, at its end)


def story(res: rb.Results, present: bool) -> None:
    """Plain words first: what the scenario says, in sentences with its numbers, and what
    each path is (open in presentation mode, one click away otherwise)."""
    st.subheader("What the numbers say")
    st.markdown("\n".join(f"- {s}" for s in summary(res)))
    with st.expander("What the five paths are", expanded=present):
        st.markdown(
            "\n\n".join(f"**{rb.PATH_TITLES[p]}.** {PATH_DESCRIPTIONS[p]}" for p in rb.PATHS)
        )


def path_picker(res: rb.Results, present: bool = False, on_change=None) -> str:
    """The path shown by a single-path view; in presentation mode no picker is drawn (the
    path chosen before is kept)."""
    path = keep("path", lambda p: p in res.paths, next(iter(res.paths)))
    if present:
        return path
    return st.selectbox(
        "Path",
        options=list(res.paths),
        format_func=rb.PATH_TITLES.get,
        key="path",
        on_change=on_change,
        args=("accounts",) if on_change else (),
        help="\n\n".join(f"**{rb.PATH_TITLES[p]}.** {PATH_DESCRIPTIONS[p]}" for p in res.paths),
    )


def view_mirror(res, style, present, pinned=None) -> None:
    chart(charts.world_mirror_paths(res, style, pinned), "chart_mirror", present)
    s = res.variables["current_account"].sum(-1)
    st.caption(
        f"Largest |sum of current accounts| over all paths and years: {abs(s).max():.2e} USD bn."
    )


def view_sectoral(res, style, present, pinned=None) -> None:
    for region in ("US", "CN"):
        chart(
            charts.sectoral_paths(res, region, style, pinned),
            f"chart_sectoral_{region.lower()}",
            present,
        )


def view_history(res, style, present, pinned=None) -> None:
    hist, proj = history_data(int(res.years[-1]))
    for cid, (region, var, title) in charts.HISTORY_CHARTS.items():
        chart(
            charts.history_fan(hist, proj, res, region, var, title, style, pinned=pinned),
            f"chart_history_{cid}",
            present,
        )
    if not present:
        st.download_button(
            "History and projection (CSV, with the scenario)",
            data=functools.partial(
                export.history_csv,
                hist,
                proj,
                res.scenario,
                share_link=share_link(share_params(res.scenario)),
            ),
            file_name=export.export_name(
                "history", digest=export.scenario_digest(res.scenario), ext="csv"
            ),
            mime="text/csv",
            key=f"dl_history_{digest(st.session_state.get('_scenario_json'))}",
            on_click="ignore",
        )


def view_accounts(res, style, present, pinned=None) -> None:
    accounts(res, present)


@st.fragment(key="accounts")
def accounts(res, present) -> None:
    """The flow matrix and the residuals of one path and year: a change of either redraws
    only this part."""
    path = path_picker(res, present, on_change=redraw)
    years = [int(y) for y in res.years]
    url_year = st.session_state.pop("_url_year", None)
    if url_year is not None:
        if isinstance(url_year, int) and years[0] <= url_year <= years[-1]:
            st.session_state["year"] = url_year
        else:
            st.warning(
                md(
                    f"URL parameter year: {url_year!r} is outside {years[0]}-{years[-1]}; "
                    "using the default."
                )
            )
    keep("year", lambda y: y in years, min(2030, years[-1]))
    year = st.select_slider("Year", options=years, key="year", on_change=redraw, args=("accounts",))
    fm = charts.flow_matrix(res, path, year)
    st.markdown(
        f"**Transactions-flow matrix, {rb.PATH_TITLES[path]}, {year}** "
        "(USD bn, 2024 prices; + source of funds, - use)"
    )
    st.dataframe(
        charts.rounded(fm, "USD bn"),
        key="flow_matrix",
        column_config={c: st.column_config.NumberColumn(format="%,.0f") for c in fm.columns},
    )
    worst = float(max(abs(fm["Row sum"]).max(), abs(fm.loc["Column sum"]).max()))
    st.caption(
        "Every row sums to zero across the world; each column's flows sum to its net lending "
        f"(the 'Less:' row); largest |sum| here: {worst:.2e} USD bn."
    )
    if not present:
        st.download_button(
            "Flow matrix (CSV)",
            data=functools.partial(export.table_csv, fm),
            file_name=f"flow_matrix_{path}_{year}.csv",
            mime="text/csv",
            key=f"dl_flow_matrix_{digest(fm.to_json())}",
            on_click="ignore",
        )
    st.markdown("**Identity residuals** (largest over regions and years, share of world GDP)")
    p = res.run_paths.index(path)
    table = pd.DataFrame(
        {"largest residual": [float(r[p].max()) for r in res.residuals.values()]},
        index=pd.Index(list(res.residuals), name="identity"),
    )
    st.dataframe(
        table,
        key="residuals",
        column_config={"largest residual": st.column_config.NumberColumn(format="%.2e")},
    )
    sync_url()


def apply_goal(instrument: str, value: float) -> None:
    """One click: the lever set to the goal-seek's answer (it then travels in the link); a
    path it had is cleared (the answer is one value for every year)."""
    set_lever(instrument, value)
    clear_path(instrument)


def apply_goal_path(instrument: str, path: dict) -> None:
    """One click: the lever's path set to the goal-seek's (it then travels in the link as
    ``path.<lever id>`` and in the downloaded scenario files)."""
    paths = dict(st.session_state.get("_lever_paths") or {})
    paths[instrument] = dict(path)
    st.session_state["_lever_paths"] = paths


def view_goal(res, style, present, pinned=None) -> None:
    """What would it take? Target -> instrument: the lever setting that hits a target."""
    from rebalancing.goalseek import TARGETS, default_path

    ss = st.session_state
    st.subheader("What would it take?")
    st.caption(
        "Pick a target and a lever: the model finds the lever's setting that hits the target "
        "on the lever's path, starting from the current settings (exact where the model is "
        "linear in the lever, otherwise a bracketed root-finder, scipy's brentq), or says it "
        "cannot within the lever's range and how close it gets."
    )
    years = [int(y) for y in res.years[1:]]
    # Each picker starts from its value when the view was last drawn (keep: the view's
    # widgets are dropped while another view is shown), else from its default; a value
    # that is no longer an option (a year past a shorter horizon) falls back to it.
    a, b = st.columns(2)
    with a:
        keep("goal_target", lambda i: type(i) is int and 0 <= i < len(TARGETS), 1)
        t = st.selectbox(
            "Target",
            range(len(TARGETS)),  # default 1, China's current account: the report's question
            format_func=lambda i: TARGETS[i][2],
            key="goal_target",
        )
        region, variable, label = TARGETS[t]
        unit = "USD bn" if label.endswith("USD bn") else "% of GDP"
        keep("goal_value", lambda v: type(v) is float and math.isfinite(v), 1.0)
        value = st.number_input(f"Target value ({unit})", step=0.1, key="goal_value")
    with b:
        keep("goal_year", lambda y: y in years, min(2035, years[-1]))
        year = st.select_slider("In the year", options=years, key="goal_year")
        keep("goal_onwards", lambda v: isinstance(v, bool), False)
        onwards = st.checkbox("and every year after it", key="goal_onwards")
    if onwards:
        keep("goal_mode", lambda m: m in ("value", "path"), "value")
    by_year = onwards and (
        st.radio(
            "Answer as",
            ["value", "path"],
            format_func={"value": "one value", "path": "a path, year by year"}.get,
            horizontal=True,
            key="goal_mode",
            help="A path: the lever's value in each year from the target year on, each "
            "year's solved in turn so the target holds that year (years before keep the "
            "lever's value). Expect it to swing from year to year.",
        )
        == "path"
    )
    options = goalseek_instruments()
    if by_year:
        options = [lid for lid in options if lid in PATHABLE]
    keep("goal_instrument", lambda lid: lid in options, "orderly.cn_consumption_rise")
    instrument = st.selectbox(
        "Lever to move",
        options,
        format_func=lambda lid: f"{LEVERS[lid].label} ({rb.GROUP_TITLES[LEVERS[lid].group]})",
        key="goal_instrument",
    )
    target = f"{region}.{variable}={value!r}@{year}" + ("+" if onwards else "")
    path = default_path(instrument)
    st.caption(f"The target is read on the {rb.PATH_TITLES[path]} path (the lever's own).")
    mode = "path" if by_year else "value"
    if st.button(
        "Find the setting",
        key="goal_find",
        icon=":material/target:",
        type="primary",
        # a keyed redraw keeps the click for the view's run (redrawn() would otherwise redraw
        # the whole page, in a run where the button reads False)
        on_click=redraw,
        args=("view_part", "downloads"),
    ):
        solve = goal_path_of if by_year else goal_of
        try:
            with st.spinner("Solving..."):
                ss["_goal"] = (
                    ss["_scenario_json"],
                    target,
                    instrument,
                    mode,
                    solve(ss["_scenario_json"], target, instrument, data_key()),
                )
        except (ScenarioError, rb.ModelError) as e:
            st.error(md(f"Cannot goal-seek: {with_labels(str(e))}"))
    found = ss.get("_goal")
    if found and found[1:4] == (target, instrument, "path"):
        goal_path_result(found, label, unit, style, present)
    elif found and found[1:4] == (target, instrument, "value"):
        r = found[4]
        lev = LEVERS[instrument]
        (st.success if r.hit else st.warning)(goal_sentence(r, label, unit))
        st.caption(
            f"Method: {r.method}; {r.evaluations} model runs. Starting settings: "
            + ("the current ones." if found[0] == ss["_scenario_json"] else "changed since.")
        )
        st.button(
            f"Apply: set '{lev.label}' to {r.value:.4g} {lev.unit}",
            key="goal_apply",
            on_click=apply_goal,
            args=(instrument, float(r.value)),
            disabled=r.value == ss.get(instrument)
            and not ss.get("_lever_paths", {}).get(instrument),
            icon=":material/check:",
        )


def goal_path_result(found, label: str, unit: str, style, present: bool) -> None:
    """A year-by-year answer: the sentence, the path as a table and a chart, and Apply."""
    ss = st.session_state
    r = found[4]
    lev = LEVERS[r.instrument]
    (st.success if r.hit else st.warning)(goal_sentence(r, label, unit))
    st.caption(
        f"{r.evaluations} model runs, {r.seconds:.2f} s. Starting settings: "
        + ("the current ones." if found[0] == ss["_scenario_json"] else "changed since.")
    )
    # Short headers (the lever is named in the sentence above and in the help): on a phone
    # the lever's full name as a header pushed the other columns off screen.
    value_col, got_col, gap_col = f"Lever ({lev.unit})", f"Achieved ({unit})", f"Gap ({unit})"
    table = pd.DataFrame(
        {
            value_col: r.values,
            got_col: r.achieved,
            gap_col: r.gaps,
            "Hit": ["yes" if h else "no (closest)" for h in r.hits],
        },
        index=pd.Index(r.years, name="year"),
    )
    st.dataframe(
        table,
        key="goal_path_table",
        column_config={
            value_col: st.column_config.NumberColumn(format="%.3f", help=lev.label),
            got_col: st.column_config.NumberColumn(format="%.3f"),
            gap_col: st.column_config.NumberColumn(format="%.3g"),
        },
    )
    chart(charts.goal_path(r, label.rsplit(",", 1)[0], style), "chart_goal_path", present)
    applied = ss.get("_lever_paths", {}).get(r.instrument) == r.lever_path
    st.button(
        f"Apply: give '{lev.label}' this path ({r.years[0]}-{r.years[-1]})",
        key="goal_apply_path",
        on_click=apply_goal_path,
        args=(r.instrument, r.lever_path),
        disabled=applied,
        icon=":material/check:",
        help="The lever follows the path from the target year on (the slider keeps the "
        "other years); the path travels in the share link and the scenario files. Moving "
        "the lever's slider clears it.",
    )


#: The sensitivity view's sample sizes (base N of Saltelli's scheme).
SOBOL_N = [16, 32, 64, 128]


def view_sensitivity(res, style, present, pinned=None) -> None:
    """Which assumptions drive the answer: Sobol' indices of the 2035 current accounts."""
    ss = st.session_state
    year = min(2035, int(res.years[-1]))
    st.subheader(f"What drives the current accounts in {year}?")
    st.caption(
        "First-order and total Sobol' indices (SALib): the share of the variance of each "
        "current account that each lever explains alone, and with its interactions, when "
        "every numeric lever varies uniformly over its range around the current settings, "
        "each run with adaptive expectations (whatever the page's). A bigger sample narrows "
        "the confidence whiskers (and takes longer)."
    )
    a, b = st.columns(2)
    keep("sobol_path", lambda p: p in res.paths, next(iter(res.paths)))
    path = a.selectbox("Path", list(res.paths), format_func=rb.PATH_TITLES.get, key="sobol_path")
    keep("sobol_n", lambda n: n in SOBOL_N, 32)
    n = b.select_slider("Sample (base N)", options=SOBOL_N, key="sobol_n")
    with st.spinner("Running the sample..."):
        df = sobol_of(ss["_scenario_json"], path, year, n, data_key())
    for region, name in (("US", "US"), ("CN", "China")):
        rows = df[df["output"].str.startswith(f"{region}.")]
        chart(
            charts.sobol_chart(
                rows,
                f"What drives the {name} current account in {year}? (share of variance)"
                f"<br><sup>{rb.PATH_TITLES[path]} path; top 8 levers</sup>",
                style,
            ),
            f"chart_sobol_{region.lower()}",
            present,
        )
    if not present:
        st.download_button(
            "Sobol' indices, every lever (CSV)",
            data=functools.partial(export.table_csv, df.set_index(["output", "parameter"])),
            file_name=f"sobol_{path}_{year}.csv",
            mime="text/csv",
            key=f"dl_sobol_{digest(ss['_scenario_json'], path, n)}",
            on_click="ignore",
        )


def view_validation(res, style, present, pinned=None) -> None:
    table = validation_frame(data_key())
    counts = {
        kind: (int((rows["Result"] == "inside").sum()), len(rows))
        for kind, rows in table.groupby("Kind", sort=False)
    }
    v_in, v_n = counts.get("validation", (0, 0))
    c_in, c_n = counts.get("calibration", (0, 0))
    st.markdown(
        f"**The model against published results: {v_in} of {v_n} validation checks inside "
        f"the range each allows** (and {c_in} of {c_n} calibration checks, results the model "
        "is set to match). Each row reruns the study's experiment with the default settings "
        "except those it names; a check outside its range is shown as failing, with the "
        "reason the model cannot match it. Bands and sources: data/validation_bands.csv, "
        "the method: docs/validation.md."
    )
    st.dataframe(
        table,
        key="validation",
        hide_index=True,
        column_config={
            "Experiment": st.column_config.TextColumn(width="large"),
            "Why this range": st.column_config.TextColumn(width="large"),
            "Why it cannot match": st.column_config.TextColumn(width="large"),
        },
    )
    if not present:
        st.download_button(
            "Validation table (CSV)",
            data=functools.partial(export.table_csv, table.set_index("Topic")),
            file_name="validation.csv",
            mime="text/csv",
            key="dl_validation",
            on_click="ignore",
        )


#: The key of the sidebar's Download section (an expander): open or closed.
DOWNLOADS_OPEN = "dl_open"


@st.fragment(key="downloads")
def downloads() -> None:
    """The sidebar's downloads of what the body drew (``ss["_drawn"]``: the results shown
    and the current settings), in a section that draws them only while it is open; then
    redrawn with the summary and the view (``redraw``), and not at all while closed.

    Why lazy: the twelve buttons and pickers were about 3-4 ms of a lever move's ~40 ms
    of server time (one session), paid by every move of every session, for files fetched
    now and then. Opening the section draws them for what is on screen (a rerun of this
    part alone)."""
    ss = st.session_state
    section = st.expander(
        "Download",
        key=DOWNLOADS_OPEN,
        icon=":material/download:",
        on_change="rerun",
    )
    if not section.open:
        return
    with section:
        download_buttons(ss)


def download_buttons(ss) -> None:
    """The buttons of the Download section (:func:`downloads`)."""
    res, scn = ss["_drawn"]
    tag = digest(ss.get("_scenario_json"))
    res_digest = export.scenario_digest(res.scenario)
    name = functools.partial(export.export_name, digest=res_digest)
    scn_name = functools.partial(
        export.export_name,
        digest=res_digest if scn == res.scenario else export.scenario_digest(scn),
    )
    st.download_button(
        "Results, all paths (CSV)",
        data=functools.partial(export.results_csv, res),
        file_name=name("results", ext="csv"),
        mime="text/csv",
        key=f"dl_csv_{tag}",
        on_click="ignore",
        icon=":material/table:",
    )
    st.download_button(
        "Metadata (JSON)",
        data=functools.partial(export.results_meta_json, res),
        file_name=name("results", ext="meta.json"),
        mime="application/json",
        key=f"dl_meta_{tag}",
        on_click="ignore",
    )
    for fmt, mime in (("json", "application/json"), ("toml", "application/toml")):
        st.download_button(
            f"Scenario ({fmt.upper()})",
            # deferred, as the others: written on a click, not on every lever move
            data=functools.partial(rb.dumps_scenario, scn, fmt, ss.get("_pinned")),
            file_name=scn_name("scenario", ext=fmt),
            mime=mime,
            key=f"dl_scenario_{fmt}_{tag}",
            on_click="ignore",
        )
    # The charts the view drew (chart() collects them): one at a time, as one zip, as slides.
    view = ss["view"]
    scn_json = ss.get("_last_good_json") or rb.dumps_scenario(res.scenario)
    marker, figs = ss.get("_view_figs", (None, {}))
    if not figs or marker != (view, drawn_json()):
        return
    link = share_link(share_params(res.scenario))
    titles = {k: chart_title(f) or k for k, f in figs.items()}
    chart_downloads(figs, titles, view, res.scenario, link)
    pack_tag = digest(scn_json, view, link, titles)
    st.download_button(
        "Chart pack (ZIP)",
        data=functools.partial(
            export.chart_pack,
            figs,
            res,
            view=view,
            share_link=link,
            scenario_json=scn_json,
            view_title=VIEWS[view],
        ),
        file_name=name("charts", view, ext="zip"),
        mime="application/zip",
        key=f"dl_pack_{pack_tag}",
        on_click="ignore",
        icon=":material/folder_zip:",
        help="Every chart of this view as PNG, SVG and CSV, one HTML page, the "
        "scenario, the metadata and a README with the citation.",
    )
    if export.chromium_path() is not None:
        st.download_button(
            "Slides (PPTX)",
            data=functools.partial(
                export.deck, figs, res, view=view, share_link=link, view_title=VIEWS[view]
            ),
            file_name=name("slides", view, ext="pptx"),
            mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
            key=f"dl_deck_{pack_tag}",
            on_click="ignore",
            icon=":material/slideshow:",
        )


def share_link(params: dict[str, str]) -> str:
    """The link that restores a view: this app's address with ``params`` as the query."""
    base = (st.context.url or "").split("?")[0]
    query = urllib.parse.urlencode(params)
    return f"{base}?{query}" if query else (base or "?")


def drawn_params() -> dict[str, str]:
    """The share-link parameters of what is on screen now."""
    return share_params(scenario_of(st.session_state["_scenario_json"]))


def sync_url() -> None:
    """Keep the browser's address equal to the share link (after every full or partial
    rerun), so that reloading or bookmarking restores the view."""
    params = drawn_params()
    rewrite = st.session_state.pop("_url_rewrite", False)  # a query Streamlit ignored
    if rewrite or st.query_params.to_dict() != params:
        if params:
            st.query_params.from_dict(params)
        else:
            st.query_params.clear()  # sends the empty query even if none was read


@st.fragment(key="share")
def share_box() -> None:
    """The share link; redrawn with the fragment whose widget moved (see ``redraw``)."""
    st.header("Share")
    link = share_link(drawn_params())
    if not link_too_long(link):
        st.caption("This link restores the exact view (copy with the icon on the right):")
        st.code(link, language=None, wrap_lines=True)
        return
    # Lever paths over a long horizon can make a link longer than servers accept: the
    # file then carries the settings instead.
    ss = st.session_state
    scn = scenario_of(ss["_scenario_json"])
    st.warning(
        f"The link to this view would be {len(link):,} characters long, more than the "
        f"{MAX_LINK_CHARS:,} that web servers and proxies are expected to accept (longer "
        "ones are often refused), so no link is offered. Share the scenario file instead: "
        "loaded here, it restores the levers, their paths and the pinned scenario.",
        icon=":material/link_off:",
    )
    st.download_button(
        "Scenario file to share (JSON)",
        data=functools.partial(rb.dumps_scenario, scn, "json", ss.get("_pinned")),
        file_name=export.export_name("scenario", digest=export.scenario_digest(scn), ext="json"),
        mime="application/json",
        key=f"dl_share_{digest(ss['_scenario_json'], ss.get('_pinned'))}",
        on_click="ignore",
        icon=":material/download:",
    )


PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"],
[data-testid="stHeader"] {display: none;}
.stMainBlockContainer {font-size: 1.25rem; max-width: 100%;}
[data-testid="stTable"] table, [data-testid="stMarkdownContainer"] li {font-size: 1.25rem;}
</style>"""


#: Numbers in tables read right-aligned, in digits of one width.
TABLE_CSS = (
    "<style>[data-testid='stTable'] td{text-align:right;font-variant-numeric:tabular-nums}</style>"
)


#: A click on a segmented control (the lever groups, the views) selects the option clicked.
#: Streamlit 1.67 draws the control as a react-aria toggle-button group, a toolbar: when the
#: focus enters it from outside, the toolbar moves it on to the button last focused in it,
#: with ``focus()``, which scrolls that button into view. A press is the focus entering:
#: if the button last focused (say Status quo, in the first row of the lever groups) had
#: been scrolled out of the sidebar's view, the sidebar jumped to show it between pointer
#: down and up, the pointer came up over another element, react-aria cancelled the press
#: and the click was lost (no selection, no run; a random walk's seed 963818, and a user who
#: scrolled the sidebar half-way up the lever groups). While a pointer presses a button of a
#: segmented control, this script drops programmatic focus moves to another button of the
#: same control, so the focus stays on the button pressed, as for any button; the toolbar's
#: return to the last focused button still serves keyboard focus (Tab). Installed once a
#: page; in a hidden container of its own.
PRESS_FOCUS = """<style>.st-key-press_focus{display:none}</style><script>
(() => {
  if (window.__pressFocus) return;
  window.__pressFocus = true;
  const GROUP = '[data-testid="stButtonGroup"]';
  let pressed = null;
  document.addEventListener('pointerdown', (e) => {
    pressed = e.target instanceof Element ? e.target.closest(GROUP + ' button') : null;
  }, true);
  const release = () => setTimeout(() => { pressed = null; });
  for (const type of ['pointerup', 'pointercancel', 'keydown'])
    document.addEventListener(type, release, true);
  const focus = HTMLElement.prototype.focus;
  HTMLElement.prototype.focus = function (options) {
    if (pressed && this !== pressed && pressed.isConnected && this.closest
        && this.closest(GROUP) === pressed.closest(GROUP)) return;
    return focus.call(this, options);
  };
})();
</script>"""


def redrawn(key: str) -> None:
    """At the top of fragment ``key``: a full run and a redraw asked for by a callback
    (``redraw``) go on; otherwise a widget of the fragment itself moved (the
    goal-seek's, the sensitivity's, an Apply button that sets a lever, the Monte Carlo
    toggle): by default only the fragment would rerun, but the sidebar, the downloads and
    the share link may follow it, so the whole page is redrawn instead (``st.rerun``)."""
    ss = st.session_state
    asked = ss.get("_redraw", set())
    if ss.get("_full_run") or key in asked:
        ss["_redraw"] = asked - {key}
        return
    st.rerun()


@st.fragment(key="summary")
def summary_part() -> None:
    """The model run and what it says in words, above the view picker: redrawn with a lever
    move (``lever_moved``), not with a change of view. Reads all it needs from the session
    state (a fragment rerun reuses the arguments of the last full run, which would be
    stale); leaves the results it drew in ``ss["_drawn"]`` for the view and the
    downloads (and the worker's charts of them in ``ss["_drawn_specs"]``, or None)."""
    redrawn("summary")
    ss = st.session_state
    present = ss["present"]
    scn = current_scenario()
    ss["_scenario_json"] = rb.dumps_scenario(scn)
    data = data_key()
    try:
        res, specs = model_run(ss["_scenario_json"], data)
        ss["_last_good_json"] = ss["_scenario_json"]
    except (rb.ModelError, rb.IdentityError, rb.DataError, ScenarioError) as e:
        if isinstance(e, ScenarioError):  # e.g. outside the model-consistent engine's range
            st.error(md(f"These settings are not run: {with_labels(str(e))}"))
        else:
            st.error(md(f"No admissible solution for these settings: {e}"))
        last = ss.get("_last_good_json")
        if last is None or isinstance(e, rb.DataError):
            ss["_drawn"] = None
            st.stop()
        # Keep the last settings that solved on screen, so a refusal loses nothing.
        st.caption("Showing the last settings that solved; move a lever back or reset.")
        res, specs = model_run(last, data)
    ss["_drawn"] = (res, scn)
    ss["_drawn_specs"] = specs  # the compare view's charts, where the worker drew them
    pinned = pinned_results(ss.get("_pinned"))
    story(res, present)
    for note in res.notes():
        st.info(with_labels(note), icon=":material/info:")
    if not present:  # in presentation mode: titles, charts, the summary and tables only
        st.badge(
            f"Accounts balance: largest identity residual {res.max_residual:.1e} of world GDP",
            icon=":material/check_circle:",
            color="green",
            help="Every identity of the model documentation's section 2, on every path, "
            "region and year (tolerance 1e-9 of world GDP).",
        )
        mode = (
            "two-country (US, China)"
            if scn.global_.two_country
            else "four regions (US, China, EU + CPTPP bloc, rest of world)"
        )
        engine = (
            "model-consistent expectations (every year solved at once)"
            if scn.global_.expectations == "model-consistent"
            else "adaptive expectations (year by year)"
        )
        st.caption(
            f"{mode}; {res.years[0]}-{res.years[-1]}; {engine}; flows in USD bn at 2024 "
            f"prices. {len(scn.changed())} lever(s) changed from the defaults."
            + (md(f" Faint lines: the pinned scenario {pinned[0]}.") if pinned else "")
        )


@st.fragment(key="view_part")
def view_part() -> None:
    """The chosen view of the results ``summary_part`` drew: redrawn with a lever move and
    with a change of view."""
    redrawn("view_part")
    ss = st.session_state
    ss.pop("_full_run", None)  # the last part of a full run that reads it
    res, _ = ss["_drawn"]
    present, view = ss["present"], ui_value("view")
    ss["_fragments"] = (
        {"summary", "view_part"}
        | {"compare": {"headline"}, "accounts": {"accounts"}}.get(view, set())
        | (set() if present else {"downloads", "share"})
    )
    style = charts.Style.presentation() if present else charts.Style()
    {
        "compare": view_compare,
        "mirror": view_mirror,
        "sectoral": view_sectoral,
        "history": view_history,
        "accounts": view_accounts,
        "goal": view_goal,
        "sensitivity": view_sensitivity,
        "validation": view_validation,
    }[view](res, style, present, pinned_results(ss.get("_pinned")))
    # What this part shows, for restore_hidden (a view's own pickers come and go with it).
    remember(
        {"compare": {"years", "fan"}, "accounts": {"path", "year"}}.get(view, set()), part=VIEW_KEYS
    )
    sync_url()


def ensure_container_stack() -> None:
    """Before a top-level fragment: if this run's stack of containers is empty, reset it to
    the main container, as a run starts with.

    Seen once in three runs of 20 sessions opening at once on freshly started processes
    behind nginx (Streamlit 1.67): six sessions' first runs raised ``IndexError: tuple index
    out of range`` where ``st.fragment`` reads the innermost container
    (``streamlit/runtime/fragment.py``), so the stack was empty. The likely cause is
    Streamlit creating the stack's context variable lazily without a lock, so two
    sessions starting together can each create one and a ``with st.sidebar`` block then
    exits into the other (not reproduced on demand). Streamlit internals, guarded: with
    another Streamlit this does nothing."""
    try:
        from streamlit.delta_generator_singletons import (
            context_dg_stack,
            get_default_dg_stack_value,
        )

        if not context_dg_stack.get():
            context_dg_stack.set(get_default_dg_stack_value())
    except Exception:  # noqa: BLE001 -- internals of another version: nothing to repair
        return


def main() -> None:
    st.set_page_config(
        page_title="Rebalancing: how the US-China imbalance could unwind",
        page_icon=PAGE_ICON,  # a local file: a :material/...: icon is fetched from a font host
        layout="wide",
    )
    freeze_startup_heap()
    keep_long_queries()
    init_state()
    ss = st.session_state
    restore_hidden()
    bad_params, n = ss.pop("_url_warnings", None) or ([], 0)
    if bad_params:
        # One box for all of them; what came from the URL is shown as text, never rendered.
        with st.container(border=True, key="url_warnings"):
            st.warning(
                f"{n:,} URL parameter(s) could not be used; the rest of the link was applied:",
                icon=":material/link_off:",
            )
            st.code("\n".join(w[:300] for w in bad_params), language=None)
    present = ss["present"]
    shown = {"present"} if present else {"present", "view"}
    if not present:
        pin_controls()
        group = sidebar_controls(current_scenario())
        shown |= {"lever_group", DOWNLOADS_OPEN, "pin_name"} | {
            lid for lid, lev in LEVERS.items() if lev.group == group
        }
    msg = ss.pop("_upload_msg", None)
    if msg:
        (st.error if msg[0] == "error" else st.success)(md(msg[1]))

    st.title("How the US-China imbalance could unwind")
    # its own row: beside the title its label was cut short ("Prese...") at 1024 px
    st.toggle("Presentation mode", key="present")
    st.markdown(TABLE_CSS, unsafe_allow_html=True)
    with st.container(key="press_focus"):  # PRESS_FOCUS: a click selects what it presses
        st.html(PRESS_FOCUS, unsafe_allow_javascript=True)
    if present:
        st.markdown(PRESENT_CSS, unsafe_allow_html=True)
    remember(shown, part=set(LEVERS) | set(UI_KEYS) - VIEW_KEYS)
    ss["_full_run"] = True  # read by the fragments: a full run, not a fragment rerun
    ss["_redraw"] = set()
    ensure_container_stack()
    summary_part()
    if not present:
        # Here, not in a fragment: a click on it asks for a full run, which its callback
        # turns into a redraw of the view (a fragment's widget clicked before a restarted
        # server's session has drawn that fragment would be dropped).
        keep("view")
        st.segmented_control(
            "View",
            options=list(VIEWS),
            format_func=VIEWS.get,
            key="view",
            required=True,
            on_change=redraw,
            args=("view_part", "downloads"),
        )
    ensure_container_stack()
    view_part()
    if not present and ss.get("_drawn"):
        with st.sidebar:
            downloads()
            share_box()


main()
