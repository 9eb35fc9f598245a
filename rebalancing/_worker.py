"""A worker process for the Monte Carlo's chunks and the dashboard's model runs
(:mod:`rebalancing.uncertainty`): ``python -m rebalancing._worker`` reads requests from its
standard input and writes each answer to its standard output, until its input ends (the
calling process closed it or exited).

A request is one pickled tuple: ``("chunk", *args)``, the arguments of
:func:`rebalancing.uncertainty._solve_chunk_in_worker` (the scenario as its file text, the
data folder and key, the chunk's drawn values), or ``("simulate", text, data, draw)``, a
dashboard's model run (:func:`rebalancing.uncertainty.simulate_in_worker`; with ``draw``,
its compare charts too: :func:`rebalancing.uncertainty.simulate_and_draw_in_worker`); the
answer one pickled pair, ``("ok", arrays or Results or (Results, chart specs))`` or
``("error", message)``, written after its length in bytes (8 bytes, little-endian). Both
ends are the package's own code: a worker reads only what the process that started it
wrote, and that process only what its worker wrote.

A fresh interpreter, not a fork: it imports nothing of the caller (a dashboard's script, a
notebook), so it is safe to start from a multi-threaded server.
"""

from __future__ import annotations

import os
import pickle
import sys


def main() -> None:
    # The answers go to the original standard output; anything else that writes there (a
    # library's print, C code on file descriptor 1) goes to standard error instead.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    requests = sys.stdin.buffer
    from rebalancing.uncertainty import _simulate_in_worker, _solve_chunk_in_worker

    tasks = {"chunk": _solve_chunk_in_worker, "simulate": _simulate_in_worker}

    while True:
        try:
            verb, *args = pickle.load(requests)
        except EOFError:
            return
        try:
            answer = ("ok", tasks[verb](*args))
        except Exception as e:  # the caller solves the chunk itself and raises there
            answer = ("error", f"{type(e).__name__}: {e}")
        # Its length first: the caller reads the answer whole, in one read where it fits
        # the pipe (uncertainty._Worker.ask).
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        answers.write(len(data).to_bytes(8, "little") + data)  # one write: read at once
        answers.flush()


if __name__ == "__main__":
    main()
