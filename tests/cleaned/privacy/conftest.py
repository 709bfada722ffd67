"""Small hand-made inputs: a CRM with clients, a catalog, documents carrying planted PII."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from assets.core.settings import load_settings
from tests.conftest import PROJECT

SOURCES = [
    {"name": "catalog", "uri": "x/*.jsonl", "format": "jsonl", "rights": "train", "pii": "none", "kind": "catalog"},
    {"name": "crm", "uri": "x/*.jsonl", "format": "jsonl", "rights": "train", "pii": "client", "kind": "transcript"},
    {"name": "press", "uri": "x/*.jsonl", "format": "jsonl", "rights": "none", "pii": "none", "kind": "press"},
    {"name": "experts", "uri": "x/*.json", "format": "labelstudio", "rights": "train", "pii": "none", "kind": "annotation"},
]


@pytest.fixture
def make_settings(tmp_path):
    def make(opted_out=(), privacy=None):
        # only our section of the real params.yaml: the others change under parallel work
        section = yaml.safe_load((PROJECT / "params.yaml").read_text())["privacy"]
        params = {"seed": 1337, "privacy": {**section, **(privacy or {})}}
        (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
        (tmp_path / "sources.yaml").write_text(yaml.safe_dump({"sources": SOURCES, "consent": {"opted_out": list(opted_out)}}))
        return load_settings(tmp_path / "params.yaml", tmp_path / "sources.yaml", str(tmp_path / "data"))

    return make


def doc(doc_id, source, text, kind=None, client_id=None, rights="train", line=1, **meta):
    return {
        "doc_id": doc_id, "source": source, "kind": kind or source, "text": text, "uri": f"{source}.jsonl",
        "line": line, "rights": rights, "pii": "client" if source == "crm" else "none", "client_id": client_id,
        "language": "en", "meta": json.dumps(meta, sort_keys=True),
    }


@pytest.fixture
def raw_docs() -> pd.DataFrame:
    rows = [
        doc("cat1", "catalog", "The Vellora tote is cut from calfskin.", kind="catalog", name="Vellora tote", aliases=["Vellora"], material="calfskin", collection="Riviera"),
        doc("cat2", "catalog", "The Marlowe carré in silk twill, from the Aube collection.", kind="catalog", name="Marlowe carré", material="silk twill", collection="Aube", line=2),
        doc("c1", "crm", "Client: I am Camille Moreau, I want the Vellora tote. Mail camille.moreau@example.com", kind="transcript",
            client_id="C1", client_name="Camille Moreau", client_email="camille.moreau@example.com", client_phone="+33 6 12 34 56 78"),
        doc("c2", "crm", "Advisor: Mr Rossi asked about the Marlowe carré; call him on 333 123 4567.", kind="transcript", line=2,
            client_id="C2", client_name="Marco Rossi", client_email="marco.rossi@example.it"),
        doc("c3", "crm", "Giulia Bianchi wants a fitting. Reach her at GIULIA.B@EXAMPLE.COM.", kind="transcript", line=3,
            client_id="C3", client_name="Giulia Bianchi", client_email="giulia.b@example.com"),
        doc("p1", "press", "Press wire: the Riviera collection returns.", kind="press", rights="none"),
    ]
    return pd.DataFrame(rows)
