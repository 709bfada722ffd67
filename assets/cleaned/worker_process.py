"""Where a cleaning worker process starts. This module imports nothing of the curation path, so
the process can keep the deep-learning stack out while that path loads.

spaCy imports thinc, and thinc imports torch whenever it is installed (it is: the trainer needs
it); presidio imports transformers for an NLP engine this project never builds (it runs on a
blank spaCy pipeline and pattern recognizers). Without them a spawned worker imports its path in
1.05 s instead of 2.0 (curation) and 2.2 s instead of 5.4 (privacy), for code that never runs. While a worker
imports its path and builds its steps, `import torch` and `import transformers` fail as if they
were not installed, which is how thinc and presidio already decide to do without them (each
catches the ImportError). Afterwards nothing is blocked: code that did need either would import it
then, slowly, not fail. A forked worker inherits the parent's modules and keeps them."""

from __future__ import annotations

import importlib.abc
import pickle
import sys
from contextlib import contextmanager

KEPT_OUT = ("torch", "transformers")


class _NotInstalled(importlib.abc.MetaPathFinder):
    """Answers for `names` as an environment without them would: ModuleNotFoundError. Raised, not a
    `None` in sys.modules, because some code (scipy's array-API helpers) takes a name in
    sys.modules for a loaded module."""

    def __init__(self, names: tuple[str, ...]):
        self.names = names

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r} (kept out while a cleaning worker starts)", name=fullname)
        return None


@contextmanager
def kept_out(names: tuple[str, ...] = KEPT_OUT):
    finder = _NotInstalled(tuple(n for n in names if n not in sys.modules))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def serve(worker: bytes, tasks, results) -> None:
    """A worker process's target: `worker` is the pickled `Worker`, unpickled and its steps built
    (every module they import) while torch and transformers are kept out."""
    with kept_out():
        from assets.cleaned.worker import serve_batches

        worker = pickle.loads(worker)
        worker.pipeline  # noqa: B018 (builds the steps; imports what they use)
    serve_batches(worker, tasks, results)
