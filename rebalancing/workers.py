"""Worker processes: a small pool of the package's own, shared by every Monte Carlo fan
and every dashboard model run of a process.

A worker is a fresh interpreter running :mod:`rebalancing._worker` (not a fork of this
process, which may be a multi-threaded server, and not multiprocessing's start methods,
which import the caller's main module in the worker: a dashboard's script). It receives a
request (a verb, the scenario as its scenario-file text, parsed and validated there as any
scenario file, the data folder and the task's arguments) and returns the answer's pickle,
after its length, in one write. Pickles pass only between this process and the child it
started, over that child's own pipes.

Two users: :func:`map_chunks` solves a fan's chunks here and in ``workers - 1`` workers
(threads would share the interpreter lock, which the engine's many small NumPy calls take
and release thousands of times a chunk); :func:`simulate_in_worker` and
:func:`simulate_and_draw_in_worker` run a dashboard's lever move in an idle worker, so that
the sessions of one server, which share one interpreter lock, wait on a pipe instead.
Which process solves a task does not change its result: every task is the same
computation on the same inputs. The pool is written by hand (docs/deploy.md says why and
what it costs); the tasks themselves are in :mod:`rebalancing._worker`.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import select
import subprocess
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path

from .data import data_key
from .results import Results
from .scenario import Scenario, dumps_scenario, parse_scenario


# --- worker processes ------------------------------------------------------------------------
class WorkerError(Exception):
    """A worker met an error (in a chunk or a model run): the caller solves it itself and
    raises there."""


#: The size asked for the answer pipe, in bytes: a dashboard's answer (results and chart
#: specs, ~0.2 MB) fits whole, and a chunk's (~6 MB) goes in a few pieces.
PIPE_BYTES = 1 << 20


def widen_pipe(fd: int) -> None:
    """Ask for a pipe of ``PIPE_BYTES`` (Linux; at most its ``pipe-max-size``, 1 MiB by
    default): the worker then writes a dashboard's answer at once, and the reading thread
    takes it with one read. With the default 64 kB the worker waits for the reader to empty
    the pipe several times an answer, and under 20 sessions each time costs the reader a
    wait for the interpreter lock, so that most model runs found the worker still held
    and ran in the server (docs/deploy.md). Elsewhere nothing is changed."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        return


#: The largest answer a worker can give, in bytes: a length beyond it is a broken pipe's.
MAX_ANSWER_BYTES = 1 << 30

#: Seconds a worker has for a task, counted from the request, by kind of task (the verb):
#: a dashboard's model run (``simulate``: a move solves in 20-600 ms, a far setting of the
#: model-consistent engine takes up to its work bound, about 10 s) and a fan's chunk
#: (``chunk``: 1,000 adaptive draws in about 0.5 s). A worker that misses its time-out (it
#: was stopped, or it hangs) is killed and replaced, and the task runs in the caller.
TIMEOUTS = {"simulate": 15.0, "chunk": 20.0}


class WorkerTimeout(EOFError):
    """A worker did not answer within its task's time-out (:data:`TIMEOUTS`)."""


def _wait_readable(fd: int, deadline: float | None) -> None:
    """Return once ``fd`` has bytes (or its end) to read; WorkerTimeout at ``deadline``
    (a :func:`time.monotonic` time; None: no limit)."""
    if deadline is None:
        return
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise WorkerTimeout("the worker did not answer in time")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            return


def read_answer(fd: int, deadline: float | None = None) -> bytearray:
    """One answer's pickle from the worker's pipe ``fd``: its length (8 bytes) and then
    that many bytes, with as few reads as the pipe allows (each read gives the interpreter
    lock up and must take it back, which under load means a wait): a dashboard's answer in
    one. EOFError if the pipe ends first (the worker is lost), or if the length is not one
    an answer can have or more bytes come than it said (the pipe is out of step);
    WorkerTimeout if a read would wait past ``deadline``."""
    _wait_readable(fd, deadline)
    first = os.read(fd, PIPE_BYTES)
    while 0 < len(first) < 8:
        _wait_readable(fd, deadline)
        more = os.read(fd, 8 - len(first))
        if not more:
            break
        first += more
    if len(first) < 8:
        raise EOFError("the worker process ended")
    size = int.from_bytes(first[:8], "little")
    if size > MAX_ANSWER_BYTES or len(first) > 8 + size:
        raise EOFError(f"the worker's answer is out of step (length {size})")
    out = bytearray(size)
    got = len(first) - 8
    out[:got] = first[8:]
    view = memoryview(out)
    while got < size:
        _wait_readable(fd, deadline)
        n = os.readv(fd, [view[got : got + PIPE_BYTES]])
        if not n:
            raise EOFError("the worker process ended")
        got += n
    return out


def open_answer(raw: bytearray):
    """A worker's answer opened: the result, or :class:`WorkerError` with its message."""
    status, out = pickle.loads(raw)
    if status != "ok":
        raise WorkerError(out)
    return out


class Worker:
    """One worker process and its two pipes."""

    def __init__(self):
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])  # where this package is found
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (root, env.get("PYTHONPATH"))))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rebalancing._worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        widen_pipe(self.proc.stdout.fileno())

    def ask(self, args: tuple) -> bytearray:
        """Send a request; the answer's pickle, read whole (:func:`open_answer` opens it),
        within the time-out of its kind (:data:`TIMEOUTS`, from now) or WorkerTimeout."""
        deadline = time.monotonic() + TIMEOUTS.get(args[0], max(TIMEOUTS.values()))
        # Pickles only between this process and the child it started, over that child's
        # own pipes: user input never becomes pickle bytes (a scenario goes as its file
        # text, a str inside our request, and is parsed and validated again there).
        self.proc.stdin.write(pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL))
        self.proc.stdin.flush()
        return read_answer(self.proc.stdout.fileno(), deadline)

    def solve(self, args: tuple):
        """The answer to a request (:meth:`ask`, :func:`open_answer`)."""
        return open_answer(self.ask(args))

    def kill(self) -> None:
        """End the process at once (also a stopped one: SIGKILL needs no cooperation)."""
        self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass

    def close(self) -> None:
        """End the process: its input closed, it returns."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


class Workers:
    """``size`` worker processes shared by every fan and every dashboard model run of this
    process; one request at a time each (a caller borrows an idle one)."""

    def __init__(self, size: int):
        self.size = size
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.all = [Worker() for _ in range(size)]  # started now; they import meanwhile
        for w in self.all:
            self.idle.put(w)

    def borrow(self, wanted) -> Worker | None:
        """An idle worker, waiting while ``wanted()``; None once it is not."""
        while wanted():
            try:
                return self.idle.get(timeout=0.02)
            except queue.Empty:
                continue
        return None

    def replace(self, w: Worker) -> None:
        """Kill ``w`` (it missed its time-out) and put a new worker in its place, started
        now so that it has imported the model before the next task needs it."""
        w.kill()
        if _POOL is not self:  # dropped meanwhile: nothing to keep up
            return
        try:
            new = Worker()
        except OSError:  # no process can be started: the pool has one worker fewer
            self.all = [x for x in self.all if x is not w]
            return
        self.all = [new if x is w else x for x in self.all]
        self.idle.put(new)

    def close(self) -> None:
        for w in self.all:
            w.close()


_POOL_LOCK = threading.Lock()
_POOL: Workers | None = None


def pool_of(size: int) -> Workers | None:
    """The shared worker processes, at least ``size`` of them (started on first use; a
    smaller pool is replaced by one of ``size``; None where processes cannot be started).
    A fan uses as many of them as it asks for (:func:`map_chunks`)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None and _POOL.size < size:
            _POOL.close()
            _POOL = None
        if _POOL is None:
            try:
                _POOL = Workers(size)
            except OSError:
                return None
        return _POOL


def drop_pool(pool: Workers) -> None:
    """Forget workers of which one was lost (the next fan or model run starts new ones)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is pool:
            _POOL = None
    pool.close()


@atexit.register
def close_pool() -> None:
    if _POOL is not None:
        _POOL.close()


@lru_cache(maxsize=8)
def scenario_from_text(text: str) -> Scenario:
    return parse_scenario(text, "scenario.json")


def use_data(data: tuple[str | None, str]) -> None:
    """In a worker: use the data folder the caller uses (``data``: ``$REBALANCING_DATA_DIR``
    or None, and the data's key, checked)."""
    folder, key = data
    if folder is None:
        os.environ.pop("REBALANCING_DATA_DIR", None)
    else:
        os.environ["REBALANCING_DATA_DIR"] = folder
    if data_key() != key:
        raise RuntimeError("the data changed")  # the caller solves it itself


def simulate_in_worker(scn: Scenario, wait: float = 0.1, data: str | None = None) -> Results | None:
    """``simulate(scn)`` in one of the shared worker processes (:func:`run_workers`) if
    one is idle within ``wait`` seconds, else None; None too where the worker could not
    (an error, a lost process): the caller then runs it itself, raising what a run
    raises. For a server whose sessions share one interpreter lock (Streamlit): the
    model's ~4,000 Python calls a run are made in the worker, on another core, while the
    session's thread waits on a pipe without the lock. The results are the same (the
    same code on the same scenario, read back from its file text).

    Waiting for a busy worker rather than running at once: the session that sent a run
    holds the worker until its thread gets the lock back to read the answer; waiting costs
    no lock time, running here costs a run's worth of it (docs/deploy.md). ``data``: the
    data's key if the caller has it (:func:`rebalancing.data.data_key`)."""
    return ask_worker("simulate", scn, wait, data, False)


def simulate_and_draw_in_worker(
    scn: Scenario, wait: float = 0.1, data: str | None = None
) -> tuple[Results, dict[str, dict]] | None:
    """:func:`simulate_in_worker`, and the worker draws the results too: the compare
    view's charts at the default style (``charts.compare_charts(res)``), as plotly dicts
    (``charts.figure_specs``; rebuilt with ``charts.figures_from_specs``). For the
    dashboard, whose lever moves mostly redraw that view: the figures are built and
    validated on the worker's core, not with the interpreter lock the server's sessions
    share. None as :func:`simulate_in_worker`."""
    return ask_worker("simulate", scn, wait, data, True)


#: Worker processes for the dashboard's model runs (on a machine with more than one core),
#: unless ``REBALANCING_RUN_WORKERS`` says otherwise (:func:`run_workers`). Two, not one:
#: the session that sent a run holds its worker until its thread gets the interpreter lock
#: back, so with one worker most runs under load found it held and ran in the server. The
#: measurements and what each worker costs in memory: docs/deploy.md.
RUN_WORKERS = 2

#: The environment variable that sets the number of worker processes for model runs.
RUN_WORKERS_ENV = "REBALANCING_RUN_WORKERS"


def run_workers(value: str | None = None) -> int:
    """How many worker processes the dashboard's model runs use: ``value`` (by default
    ``$REBALANCING_RUN_WORKERS``, read at each call), a whole number 0-8 in ASCII digits,
    0 for none (every run in the server: the least memory); unset or empty,
    :data:`RUN_WORKERS`. Anything else is reported on standard error, naming the variable,
    once per value, and the default used (a deployment setting read on a lever move,
    where raising would break the page)."""
    return _run_workers(os.environ.get(RUN_WORKERS_ENV, "") if value is None else value)


@lru_cache(maxsize=8)
def _run_workers(value: str) -> int:
    text = value.strip()
    if not text:
        return RUN_WORKERS
    if text.isascii() and text.isdigit() and int(text) <= 8:
        return int(text)
    print(
        f"{RUN_WORKERS_ENV}: expected a whole number from 0 to 8, got {value[:40]!r}; "
        f"using {RUN_WORKERS}",
        file=sys.stderr,
    )
    return RUN_WORKERS


def ask_worker(verb: str, scn: Scenario, wait: float, data: str | None, *args):
    """The answer of a shared worker to ``(verb, scenario text, data, *args)``, or None
    (no idle worker within ``wait`` seconds, an error there, a lost process). The worker
    goes back to the pool as soon as its answer is read, before it is opened."""
    size = run_workers()
    pool = pool_of(size) if size and (os.cpu_count() or 1) > 1 else None
    if pool is None:
        return None
    try:
        w = pool.idle.get(timeout=wait)
    except queue.Empty:
        return None
    try:
        text = dumps_scenario(scn)
        request = (verb, text, (os.environ.get("REBALANCING_DATA_DIR"), data or data_key()))
        ready = scenario_from_text(text) == scn  # else not one a file can hold: run here
    except Exception:  # not the worker's: the caller's own run raises it
        ready = False
    if not ready:
        pool.idle.put(w)
        return None
    try:
        raw = w.ask((*request, *args))
    except WorkerTimeout:  # stopped or hung: replaced, and the caller runs it
        pool.replace(w)
        return None
    except Exception:  # the worker is lost (ended, out of step)
        drop_pool(pool)
        return None
    except BaseException:  # cut short: what is left in its pipe is unknown, so not reused
        drop_pool(pool)
        raise
    if _POOL is pool:
        pool.idle.put(w)  # before the answer is opened: the next session may go on
    try:
        return open_answer(raw)
    except WorkerError:
        return None
    except Exception:  # an unreadable answer: the worker is not to be trusted further
        drop_pool(pool)
        return None


def map_chunks(scn: Scenario, n: int, task, store, workers: int, solve) -> None:
    """Solve chunks 0..n-1 (``solve(scn, *task(c))``, in a worker the task ``chunk``:
    :func:`rebalancing.uncertainty.solve_chunk`) and ``store(c, result)``
    each: in this process, and with ``workers > 1`` in ``workers - 1`` worker processes as
    well, each taking the next chunk when it is done with one. A chunk a worker cannot
    solve (an error, a lost process) is solved here, so an error is raised as this process
    would raise it; of several, the first chunk's, as a loop over the chunks would."""
    lock = threading.Lock()
    errors: dict[int, BaseException] = {}
    stored = set()
    first = [0]  # the next chunk to claim

    def left() -> bool:
        return not errors and first[0] < n

    def claim() -> int | None:
        with lock:
            if not left():
                return None
            first[0] += 1
            return first[0] - 1

    def keep(c: int, out: dict) -> None:
        with lock:
            store(c, out)
            stored.add(c)

    def here(c: int) -> None:
        try:
            out = solve(scn, *task(c))
        except Exception as e:  # raised below, the first chunk's first
            with lock:
                errors[c] = e
            return
        keep(c, out)

    pool = pool_of(workers - 1) if workers > 1 and n > 1 else None
    text = dumps_scenario(scn) if pool else None
    if text is not None and scenario_from_text(text) != scn:
        pool = None  # not one a file can hold: solved here
    remote = []
    if pool is not None:
        data = (os.environ.get("REBALANCING_DATA_DIR"), data_key())

        def feed() -> None:
            while (w := pool.borrow(left)) is not None:
                c = claim()
                if c is None:
                    pool.idle.put(w)
                    return
                try:
                    out = w.solve(("chunk", text, data, *task(c)))
                except WorkerError:
                    pool.idle.put(w)
                    here(c)
                    continue
                except WorkerTimeout:  # stopped or hung: replaced, the chunk solved here
                    pool.replace(w)
                    here(c)
                    continue
                except Exception:  # the worker is lost (ended, unreadable answer)
                    drop_pool(pool)
                    here(c)
                    return
                pool.idle.put(w)
                keep(c, out)

        remote = [threading.Thread(target=feed, daemon=True) for _ in range(workers - 1)]
        for th in remote:
            th.start()
    while (c := claim()) is not None:
        here(c)
    for th in remote:
        th.join()
    if errors:
        raise errors[min(errors)]
    if len(stored) != n:  # not expected: every claimed chunk is stored or raises
        raise RuntimeError(f"Monte Carlo: {n - len(stored)} of {n} chunks not solved")
