"""A worker process for the pool of :mod:`rebalancing.workers`: ``python -m
rebalancing._worker`` reads requests from its standard input and writes each answer to its
standard output, until its input ends (the calling process closed it or exited).

A request is one pickled tuple ``(verb, scenario text, data, *args)``: ``chunk``, a Monte
Carlo chunk (:func:`solve_chunk_task`), or ``simulate``, a dashboard's model run, with its
compare charts when asked (:func:`simulate_task`). The answer is one pickled pair,
``("ok", result)`` or ``("error", message)``, written after its length in bytes (8 bytes,
little-endian). Both ends are the package's own code: a worker reads only what the process
that started it wrote, and that process only what its worker wrote.

A fresh interpreter, not a fork: it imports nothing of the caller (a dashboard's script, a
notebook), so it is safe to start from a multi-threaded server. The tasks live here, at the
top of the package: the pool knows nothing of what it runs, and the Monte Carlo nothing of
the dashboard's charts.
"""

from __future__ import annotations

import os
import pickle
import sys


def solve_chunk_task(text: str, data: tuple[str | None, str], *args) -> dict:
    """:func:`rebalancing.uncertainty.solve_chunk` of the scenario of file text ``text``,
    with the data the caller uses (:func:`rebalancing.workers.use_data`)."""
    import numpy as np

    from rebalancing.uncertainty import solve_chunk
    from rebalancing.workers import scenario_from_text, use_data

    use_data(data)
    out = solve_chunk(scenario_from_text(text), *args)
    out["series"] = {k: np.ascontiguousarray(v) for k, v in out["series"].items()}
    return out


def simulate_task(text: str, data: tuple[str | None, str], draw: bool = False):
    """:func:`rebalancing.simulate` (:func:`rebalancing.workers.simulate_in_worker`); with
    ``draw``, also the compare view's charts at the default style as specs
    (:func:`rebalancing.workers.simulate_and_draw_in_worker`)."""
    from rebalancing.results import simulate
    from rebalancing.workers import scenario_from_text, use_data

    use_data(data)
    res = simulate(scenario_from_text(text))
    if not draw:
        return res
    from rebalancing import charts

    return res, charts.figure_specs(charts.compare_charts(res))


TASKS = {"chunk": solve_chunk_task, "simulate": simulate_task}


def main() -> None:
    # The answers go to the original standard output; anything else that writes there (a
    # library's print, C code on file descriptor 1) goes to standard error instead.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    requests = sys.stdin.buffer
    while True:
        try:
            verb, *args = pickle.load(requests)
        except EOFError:
            return
        try:
            answer = ("ok", TASKS[verb](*args))
        except Exception as e:  # the caller solves it itself and raises there
            answer = ("error", f"{type(e).__name__}: {e}")
        # Its length first: the caller reads the answer whole, in one read where it fits
        # the pipe (rebalancing.workers.read_answer).
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        answers.write(len(data).to_bytes(8, "little") + data)  # one write: read at once
        answers.flush()


if __name__ == "__main__":
    main()
