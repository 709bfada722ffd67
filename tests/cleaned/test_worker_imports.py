"""A spawned cleaning worker starts a fresh interpreter and imports what its code path imports:
that start-up is paid once per worker per run. The curation path must not pull in the privacy
package (spaCy's French lexicon, presidio's analyzer, sklearn: ~9 s) when it runs no privacy step,
and the privacy path must not import spaCy's French package (~6 s) that only the parent needs;
neither path imports torch (through spaCy's thinc) nor transformers (through presidio): 2.0 -> 1.05 s and 5.4 -> 2.2 s.

Checked in a fresh interpreter, as a spawned worker is: it starts at the process target run_batches
gives it (worker_process.serve), unpickles the Worker there, runs one batch, then reports what got imported."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap

import pyarrow.parquet as pq

from assets.cleaned.context import PrivacyContext
from assets.cleaned.privacy.gazetteer import Gazetteer
from assets.cleaned.worker import Worker, raw_batches
from tests.cleaned._house import PROJECT, make_settings, prose, source

WORKER = textwrap.dedent(
    """
    import json, pickle, queue, sys
    from assets.cleaned.worker_process import serve

    worker, batch = sys.argv[1:3]
    with open(worker, "rb") as handle:
        worker = handle.read()  # what run_batches sends a worker: the pickled Worker
    with open(batch, "rb") as handle:
        batch = pickle.load(handle)
    tasks, results = queue.Queue(), queue.Queue()
    tasks.put((0, batch))
    tasks.put(None)
    serve(worker, tasks, results)  # the spawned process's target, as run_batches starts it
    index, result, error = results.get()
    assert error is None, error[1]
    print(json.dumps({"spill": result["spill"],
                      "modules": sorted(m for m, module in sys.modules.items() if module is not None
                                        and m.split(".")[0] in {"assets", "sklearn", "spacy", "presidio_analyzer", "presidio_anonymizer", "thinc", "torch", "transformers"})}))
    """
)
CLIENT = "Camille Moreau"
DOCS = [prose(i) for i in range(12)] + ["<html><body><p>" + prose(99) + "</p></body></html>", prose(50) + " Camille called about the jacket."]


def worker_run(tmp_path, context) -> dict:
    settings = make_settings(tmp_path, [source("a", DOCS)], clean={"workers": 2, "language": {"enabled": False}})
    spill = tmp_path / "spill"
    spill.mkdir()
    (tmp_path / "worker.pickle").write_bytes(pickle.dumps(Worker(settings, context, str(spill))))
    (tmp_path / "batch.pickle").write_bytes(pickle.dumps(next(raw_batches(settings, 1000))))
    proc = subprocess.run([sys.executable, "-c", WORKER, str(tmp_path / "worker.pickle"), str(tmp_path / "batch.pickle")],
                          cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["texts"] = pq.read_table(report["spill"]).column("text").to_pylist()
    return report


def loaded(report: dict, name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in report["modules"])


def test_a_curation_worker_imports_no_privacy_module(tmp_path):
    report = worker_run(tmp_path, None)
    # the worker ran the filters (spaCy's English tokenizer) and kept documents: the check below
    # cannot pass because nothing ran
    assert len(report["texts"]) > 10
    assert loaded(report, "assets.cleaned.filters.c4") and loaded(report, "spacy.lang.en")
    assert [name for name in ("assets.cleaned.privacy", "sklearn", "spacy.lang.fr", "presidio_anonymizer") if loaded(report, name)] == []
    # spaCy's thinc imports torch when it can; the worker keeps it out
    assert loaded(report, "thinc") and not loaded(report, "torch")


def test_a_privacy_worker_redacts_name_parts_without_importing_french(tmp_path):
    context = PrivacyContext(gazetteer=Gazetteer(names={CLIENT}))
    report = worker_run(tmp_path, context)
    # a client's first name alone is redacted: the name-part pattern (built from the stop-word
    # lists, French included) reached the worker compiled
    assert any("<PERSON> called about the jacket." in t for t in report["texts"])
    assert not any("Camille" in t for t in report["texts"])
    assert loaded(report, "assets.cleaned.privacy.redact") and loaded(report, "presidio_anonymizer")
    assert not loaded(report, "spacy.lang.fr")
    # presidio's pattern recognizers on spaCy's blank English need neither
    assert not loaded(report, "torch") and not loaded(report, "transformers")
