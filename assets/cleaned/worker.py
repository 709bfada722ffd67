"""One batch of raw documents through the pipeline, in a worker process.

A `Worker` is pickled once into each process (settings, privacy context, spill folder) and builds
its steps there on first use, so no module holds state. `run_batches` feeds the processes at most
2 batches each ahead of the results and yields results in batch order (same inputs, same bytes,
whatever the number of workers)."""

from __future__ import annotations

import pickle
import queue
import traceback
from dataclasses import dataclass
from functools import cached_property
from multiprocessing import get_context
from typing import Iterable, Iterator, Optional, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from assets.core.ledger import Ledger
from assets.core.settings import Settings
from assets.cleaned.context import PrivacyContext
from assets.cleaned.dedup import MinHasher
from assets.cleaned.normalize import content_hash
from assets.cleaned.pipeline import Pipeline, curation_pipeline
from assets.cleaned.schema import as_corpus
from assets.cleaned.steps import run_steps
from assets.cleaned.worker_process import serve
from assets.cleaned.write import spill
from assets.raw.ingest import documents_dir


def raw_files(settings: Settings, partition_keys: Optional[Sequence[str]] = None) -> list[str]:
    names = list(partition_keys) if partition_keys else [s.name for s in settings.sources]
    return [path for name in names for path in settings.storage.parquet_files(documents_dir(name))]


def raw_batches(settings: Settings, batch_size: int, partition_keys: Optional[Sequence[str]] = None) -> Iterator[pa.RecordBatch]:
    for path in raw_files(settings, partition_keys):
        with settings.storage.open(path) as handle:
            yield from pq.ParquetFile(handle).iter_batches(batch_size=batch_size)


def raw_rows(settings: Settings, partition_keys: Optional[Sequence[str]] = None) -> int:
    """How many documents raw_batches yields (the Parquet footers' counts: no data read), for the progress bar."""
    total = 0
    for path in raw_files(settings, partition_keys):
        with settings.storage.open(path) as handle:
            total += pq.ParquetFile(handle).metadata.num_rows
    return total


@dataclass
class Worker:
    settings: Settings
    context: Optional[PrivacyContext]
    spill_folder: str

    @cached_property
    def pipeline(self) -> Pipeline:
        return curation_pipeline(self.settings, self.context)

    @cached_property
    def hasher(self) -> MinHasher:
        return MinHasher.from_params(self.settings.params.clean.dedup)

    def process(self, batch: pa.RecordBatch) -> dict:
        """Steps on one batch. Returns the removals, and where the survivors and evaluation
        documents were spilled, with the survivors' dedup keys."""
        ledger, removals = Ledger(), []
        docs = batch.to_pandas()
        docs["lang"] = docs["language"].fillna("und")
        docs = run_steps(docs, self.pipeline.prepare, ledger, removals)
        evaluation = run_steps(docs.loc[docs["rights"] == "eval_only"], self.pipeline.evaluation, ledger, removals)
        for source, count in evaluation["source"].value_counts().items():
            ledger.removed(source, "eval_only", int(count))  # held out for evaluation, never trained on
        removals.append(evaluation[["doc_id", "source", "kind"]].assign(reason="eval_only"))
        docs = run_steps(docs.loc[docs["rights"] != "eval_only"], self.pipeline.curate, ledger, removals)
        removed = [(s, r, n) for s, book in ledger.books.items() for r, n in book.removed.items()]
        result = {"documents": batch.num_rows, "removed": removed, "removals": pd.concat(removals, ignore_index=True), "eval": spill(self.spill_folder, as_corpus(evaluation), "eval") if len(evaluation) else None, "spill": None}
        if len(docs):
            result["spill"] = spill(self.spill_folder, as_corpus(docs), "corpus")
            dedup = self.settings.params.clean.dedup
            result["keys"] = pd.DataFrame({"doc_id": docs["doc_id"].to_numpy(), "source": docs["source"].to_numpy(), "kind": docs["kind"].to_numpy(),
                                           "rights": docs["rights"].to_numpy(),
                                           "hash": [content_hash(t) for t in docs["text"]] if dedup.exact else None})
            result["signature"] = self.hasher.signatures(list(docs["text"])) if dedup.minhash else None
        return result


def serve_batches(worker: Worker, tasks, results) -> None:
    """A worker process: (index, batch) in, (index, result, error) out, until None."""
    for index, batch in iter(tasks.get, None):
        try:
            results.put((index, worker.process(batch), None))
        except BaseException as exc:  # sent back whole: the parent raises it
            try:
                pickle.dumps(exc)
            except Exception:
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            results.put((index, None, (exc, traceback.format_exc())))


def _next_result(results, processes) -> tuple:
    while True:
        try:
            return results.get(timeout=1.0)
        except queue.Empty:
            dead = [p for p in processes if not p.is_alive()]
            if dead:
                raise RuntimeError(f"cleaned: a worker process died (exit code {dead[0].exitcode}); out of memory? lower clean.batch_size or clean.workers")


def run_batches(worker: Worker, batches: Iterable[pa.RecordBatch]) -> Iterator[dict]:
    p = worker.settings.params.clean
    if p.workers == 1:
        yield from map(worker.process, batches)
        return
    mp = get_context(p.start_method)
    tasks, results = mp.Queue(), mp.Queue()
    pickled = pickle.dumps(worker)  # unpickled in the worker after worker_process.serve keeps torch out
    processes = [mp.Process(target=serve, args=(pickled, tasks, results), daemon=True) for _ in range(p.workers)]
    for process in processes:
        process.start()
    try:
        batches, sent, done, ready = iter(batches), 0, 0, {}
        exhausted = False
        while True:
            while not exhausted and sent - done < 2 * p.workers:  # bounded: never read far ahead of the workers
                batch = next(batches, None)
                if batch is None:
                    exhausted = True
                else:
                    tasks.put((sent, batch))
                    sent += 1
            if done == sent:
                return
            while done not in ready:
                index, result, error = _next_result(results, processes)
                if error is not None:
                    exc, trace = error
                    raise exc from RuntimeError(f"in a cleaning worker, on batch {index}:\n{trace}")
                ready[index] = result
            yield ready.pop(done)
            done += 1
    finally:
        for _ in processes:
            tasks.put(None)
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
