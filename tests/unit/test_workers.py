"""rebalancing.workers and rebalancing._worker: the worker processes shared by the Monte
Carlo and the dashboard's model runs give the same answers to the bit as this process, a
worker that fails costs time and not the answer, and their answers are read whole and
checked."""

import json
import pickle

import numpy as np
import pytest

from rebalancing import PATHS, Scenario, simulate
from rebalancing.uncertainty import FAN_SERIES, draw_parameters, fan


def test_worker_processes_give_the_same_fan_to_the_bit():
    """A chunk solved in a worker process is the same computation as here, to the bit, and
    so the fan does not depend on the number of workers (the chunks set the batches)."""
    import os

    from rebalancing import uncertainty, workers
    from rebalancing.data import data_key
    from rebalancing.scenario import dumps_scenario

    # the fan's draws run the adaptive engine (uncertainty.fan)
    scn = Scenario().with_values({"disorderly.timing": "hazard", "global.expectations": "adaptive"})
    values, timing = draw_parameters(scn, 60, 3)
    here = uncertainty.solve_chunk(scn, values, timing, PATHS, FAN_SERIES)
    pool = workers.pool_of(1)
    worker = pool.borrow(lambda: True)
    try:
        data = (os.environ.get("REBALANCING_DATA_DIR"), data_key())
        request = ("chunk", dumps_scenario(scn), data, values, timing, PATHS, FAN_SERIES)
        there = worker.solve(request)
    finally:
        pool.idle.put(worker)
    for key, a in here["series"].items():
        np.testing.assert_array_equal(a, there["series"][key])
    for r in ("US", "CN"):
        np.testing.assert_array_equal(here["nfa"][r], there["nfa"][r])
        np.testing.assert_array_equal(here["gdp"][r], there["gdp"][r])
    np.testing.assert_array_equal(here["crisis_years"], there["crisis_years"])
    assert here["max_residual"] == there["max_residual"]

    one, two = (fan(scn, 250, 3, chunk=60, workers=w) for w in (1, 2))
    for key, q in one.bands_.items():
        np.testing.assert_array_equal(q, two.bands_[key])
    np.testing.assert_array_equal(one.crisis.deficit, two.crisis.deficit)
    np.testing.assert_array_equal(one.crisis.surplus_range, two.crisis.surplus_range)
    np.testing.assert_array_equal(one.crisis_years, two.crisis_years)
    assert one.max_residual == two.max_residual


@pytest.mark.parametrize("failure", ["chunk error", "worker lost"])
def test_a_chunk_a_worker_cannot_solve_is_solved_here(monkeypatch, failure):
    """A worker that fails (an error in its chunk, a lost process) costs time, not the fan:
    the chunk is solved in the calling process."""
    import queue

    from rebalancing import workers

    class Failing:
        def solve(self, args):
            if failure == "chunk error":
                raise workers.WorkerError("RuntimeError: the data changed")
            raise BrokenPipeError("worker lost")

    class Pool:
        size, idle = 1, queue.Queue()

        def borrow(self, wanted):
            return Failing() if wanted() else None

        def close(self):
            pass

    here = fan(Scenario(), 200, 2, chunk=50, workers=1)
    monkeypatch.setattr(workers, "pool_of", lambda size: Pool())
    failed = fan(Scenario(), 200, 2, chunk=50, workers=2)
    for key, q in here.bands_.items():
        np.testing.assert_array_equal(q, failed.bands_[key])


def assert_same_run(here, there, exact: bool) -> None:
    """Every variable and residual: to the bit (adaptive engine), or to Newton's tolerance
    (model-consistent: it starts from its process's last nearby solution, docs/model.md
    3b.8)."""
    for key, a in here.variables.items():
        if exact:
            np.testing.assert_array_equal(a, there.variables[key], err_msg=key)
        else:
            np.testing.assert_allclose(a, there.variables[key], rtol=1e-9, atol=1e-6, err_msg=key)
    for key, a in here.residuals.items():
        if exact:
            np.testing.assert_array_equal(a, there.residuals[key], err_msg=key)
        else:
            np.testing.assert_allclose(a, there.residuals[key], rtol=0, atol=1e-13, err_msg=key)


@pytest.mark.parametrize("engine", ["model-consistent", "adaptive"])
def test_a_model_run_in_the_worker_equals_one_here(engine):
    """The dashboard's lever moves run the model in the worker process when it is idle: the
    same results (every variable and residual)."""
    from rebalancing import workers

    scn = Scenario().with_values(
        {
            "global.monetary_response": 1.35,
            "subglobal.safeguard": 7,
            "global.expectations": engine,
        }
    )
    there = None
    for _ in range(3):  # a fan of another test may hold the worker for a moment
        there = workers.simulate_in_worker(scn)
        if there is not None:
            break
    assert there is not None, "no worker answered"
    here = simulate(scn)
    assert there.scenario == here.scenario
    assert_same_run(here, there, exact=engine == "adaptive")


def test_the_worker_draws_the_compare_charts_of_its_run():
    """workers.simulate_and_draw_in_worker: the worker's results are those of a run here,
    and its compare charts (as specs) are charts.compare_charts of its results, so the
    dashboard draws the same figures from them."""
    from rebalancing import charts, workers

    scn = Scenario().with_values({"global.monetary_response": 1.4, "orderly.kappa": 0.3})
    there = None
    for _ in range(3):  # a fan of another test may hold the worker for a moment
        there = workers.simulate_and_draw_in_worker(scn, wait=5)
        if there is not None:
            break
    assert there is not None, "no worker answered"
    res, specs = there
    assert_same_run(simulate(scn), res, exact=False)
    want = charts.figure_specs(charts.compare_charts(res))
    assert list(specs) == list(want)
    for key in want:  # the figures' data, layout and text, to the bit
        assert json.dumps(specs[key], sort_keys=True) == json.dumps(want[key], sort_keys=True)


@pytest.mark.parametrize("draw", [False, True])
@pytest.mark.parametrize("failure", ["busy", "error", "lost"])
def test_a_model_run_the_worker_cannot_make_is_left_to_the_caller(monkeypatch, failure, draw):
    """No idle worker, an error in the worker, a lost worker: None (the caller runs it,
    raising what a run raises); a lost worker's pool is dropped, a busy one kept."""
    import queue

    from rebalancing import workers

    class Failing:
        def ask(self, request):
            assert request[0] == "simulate"  # with or without its charts
            if failure == "error":  # the answer the worker writes for an error
                return pickle.dumps(("error", "ModelError: no admissible solution"))
            raise BrokenPipeError("worker lost")

        def close(self):
            pass

    class Pool:
        size, idle, closed = 1, queue.Queue(), False

        def close(self):
            self.closed = True

    pool = Pool()
    if failure != "busy":
        pool.idle.put(Failing())
    monkeypatch.setattr(workers, "_POOL", pool)
    monkeypatch.setattr(workers, "pool_of", lambda size: pool)
    ask = workers.simulate_and_draw_in_worker if draw else workers.simulate_in_worker
    assert ask(Scenario()) is None
    assert pool.closed == (failure == "lost")
    assert pool.idle.qsize() == (1 if failure == "error" else 0)


@pytest.mark.parametrize(
    "value,count,warned",
    [
        ("", 2, False),
        (" 0 ", 0, False),
        ("1", 1, False),
        ("8", 8, False),
        ("9", 2, True),
        ("-1", 2, True),
        ("٢", 2, True),
        ("two", 2, True),
        ("1e3", 2, True),
    ],
)
def test_the_number_of_model_run_workers_is_set_by_its_variable(capsys, value, count, warned):
    """workers.run_workers: $REBALANCING_RUN_WORKERS, ASCII digits 0-8 (0: every run
    in the server); anything else is named on standard error and the default used."""
    from rebalancing import workers

    workers._run_workers.cache_clear()
    assert workers.run_workers(value) == count
    err = capsys.readouterr().err
    assert ("REBALANCING_RUN_WORKERS: expected a whole number" in err) == warned


def test_no_model_run_worker_when_the_variable_says_0(monkeypatch):
    from rebalancing import workers

    monkeypatch.setenv("REBALANCING_RUN_WORKERS", "0")
    monkeypatch.setattr(workers, "pool_of", lambda size: pytest.fail("a pool was asked for"))
    assert workers.simulate_in_worker(Scenario()) is None


def test_a_worker_answer_is_read_whole_and_checked():
    """workers.read_answer over a real pipe: the length, then the pickle, however the
    writes are split; EOFError when the pipe ends early, when the length is not one an
    answer can have, or when more bytes come than it said."""
    import os
    import threading

    from rebalancing import workers

    answer = pickle.dumps(("ok", np.arange(300_000.0)))  # ~2.4 MB: more than one pipe
    framed = len(answer).to_bytes(8, "little") + answer

    def read(pieces):
        r, w = os.pipe()

        def write():
            try:
                for p in pieces:
                    os.write(w, p)
            except BrokenPipeError:  # the reader gave up (and closed its end)
                pass
            finally:
                os.close(w)

        th = threading.Thread(target=write)
        th.start()
        try:
            return workers.read_answer(r)
        finally:
            os.close(r)  # first: a writer blocked on a full pipe then ends
            th.join()

    for pieces in ([framed], [framed[:3], framed[3:11], framed[11:]]):
        status, out = pickle.loads(read(pieces))
        assert status == "ok" and np.array_equal(out, np.arange(300_000.0))
    for bad in (
        [framed[:5]],  # ends inside the length
        [framed[:-1]],  # ends inside the answer
        [(2**40).to_bytes(8, "little")],  # a length no answer has
        [(3).to_bytes(8, "little") + b"abcd"],  # more bytes than it said
    ):
        with pytest.raises(EOFError):
            read(bad)


# --- faults: a stopped worker, killed workers (issue 23) ---------------------------------


def _live_pool(size: int = 2):
    from rebalancing import workers

    workers.close_pool()  # a pool of its own, whatever another test left
    workers._POOL = None
    pool = workers.pool_of(size)
    assert pool is not None
    for w in pool.all:  # every worker has imported the model and answers
        assert workers.open_answer(w.ask(("simulate", _text(Scenario()), _data(), False)))
    return pool


def _text(scn):
    from rebalancing.scenario import dumps_scenario

    return dumps_scenario(scn)


def _data():
    import os

    from rebalancing.data import data_key

    return (os.environ.get("REBALANCING_DATA_DIR"), data_key())


def test_a_stopped_worker_costs_a_session_at_most_its_timeout(monkeypatch):
    """Every worker stopped (SIGSTOP), a lever move asks one: it gives up at the run's
    time-out, the stopped worker is killed and replaced by a fresh one, and the caller runs
    the model itself; the next move is answered by the replacement."""
    import os
    import signal
    import time

    from rebalancing import workers

    pool = _live_pool()
    monkeypatch.setitem(workers.TIMEOUTS, "simulate", 1.0)
    stopped = list(pool.all)
    for w in stopped:
        os.kill(w.proc.pid, signal.SIGSTOP)
    try:
        scn = Scenario().with_values({"orderly.kappa": 0.7})
        t0 = time.monotonic()
        assert workers.simulate_in_worker(scn, wait=1.0) is None
        waited = time.monotonic() - t0
        assert waited < 1.0 + 1.0 + 5.0  # the wait for a worker, its time-out, slack
        assert sum(w.proc.poll() is not None for w in stopped) == 1  # the one asked: killed
        assert len(pool.all) == 2 and workers._POOL is pool
        fresh = [w for w in pool.all if w not in stopped]
        assert len(fresh) == 1
        # the replacement imports the model and solves cold: the usual time-out again, and
        # the other worker resumed, so that whichever is asked answers
        monkeypatch.setitem(workers.TIMEOUTS, "simulate", 60.0)
        for w in stopped:
            if w.proc.poll() is None:
                os.kill(w.proc.pid, signal.SIGCONT)
        got = None
        for _ in range(3):
            got = workers.simulate_in_worker(scn, wait=5.0)
            if got is not None:
                break
        assert got is not None
        assert got.scenario == scn
    finally:
        for w in stopped:
            if w.proc.poll() is None:
                os.kill(w.proc.pid, signal.SIGCONT)
        workers.close_pool()
        workers._POOL = None


def test_a_fan_finishes_with_a_stopped_worker_and_equals_one_without(monkeypatch):
    """A worker stopped while a fan's chunks run: its chunk is solved here after the chunk
    time-out, the worker replaced, and the fan is the same to the bit as one solved in this
    process alone (the chunks, not the workers, set the batches)."""
    import os
    import signal

    from rebalancing import workers

    monkeypatch.setitem(workers.TIMEOUTS, "chunk", 1.0)
    scn = Scenario().with_values({"global.expectations": "adaptive"})
    alone = fan(scn, 400, 7, chunk=100, workers=1)
    pool = _live_pool(1)
    victim = pool.all[0]
    os.kill(victim.proc.pid, signal.SIGSTOP)
    try:
        both = fan(scn, 400, 7, chunk=100, workers=2)
        assert victim.proc.poll() is not None and victim not in pool.all
        for key, q in alone.bands_.items():
            np.testing.assert_array_equal(q, both.bands_[key])
    finally:
        if victim.proc.poll() is None:
            os.kill(victim.proc.pid, signal.SIGCONT)
        workers.close_pool()
        workers._POOL = None


@pytest.mark.parametrize("which", ["one", "all"])
def test_killed_workers_under_load_cost_a_run_here_and_recover(which):
    """kill -9 of one or of every worker while lever moves arrive from four threads (the
    sessions of a server): every move gets its results (from a worker, or run here where
    the worker was lost), and the next moves are answered by new workers."""
    import os
    import signal
    import threading

    from rebalancing import workers

    pool = _live_pool()
    victims = pool.all[:1] if which == "one" else list(pool.all)
    results, errors = [], []

    def session(k: int) -> None:
        try:
            for j in range(6):
                scn = Scenario().with_values({"orderly.kappa": 0.1 * k + 0.02 * j})
                res = workers.simulate_in_worker(scn, wait=0.5) or simulate(scn)
                results.append(res.scenario == scn)
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=session, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for w in victims:
        os.kill(w.proc.pid, signal.SIGKILL)
    for th in threads:
        th.join(timeout=120)
    try:
        assert not errors and len(results) == 24 and all(results)
        got = None
        for _ in range(5):
            got = workers.simulate_in_worker(Scenario(), wait=5.0)
            if got is not None:
                break
        assert got is not None  # new workers answer
        assert all(w.proc.poll() is None for w in workers._POOL.all)
    finally:
        workers.close_pool()
        workers._POOL = None
