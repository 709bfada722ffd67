"""Where this package's artifacts live under the storage root."""

from assets.cleaned.paths import CORPUS, EVALSETS, GRAPH, MIXTURE, SYNTHETIC  # noqa: F401

NODES = f"{GRAPH}/nodes.parquet"
EDGES = f"{GRAPH}/edges.parquet"
GRAPHML = f"{GRAPH}/graph.graphml"
TURTLE = f"{GRAPH}/graph.ttl"
GRAPH_STATS = f"{GRAPH}/stats.json"
GRAPH_PLOT = f"{GRAPH}/stats.png"
GRAPH_QUARANTINE = f"{GRAPH}/quarantine.parquet"  # mapped rows that could not enter the graph, with file, line and field

QA = f"{EVALSETS}/qa"  # cloze questions: known facts in held-out phrasings, unseen (held-out) facts
QUESTIONS = f"{QA}/questions.parquet"
HELDOUT_DOCS = f"{EVALSETS}/heldout"  # documents held out per source for bits per byte, never trained on
HELDOUT_SOURCES = f"{EVALSETS}/heldout_sources.json"  # per source: eligible, held out, why none
HELDOUT_LOW = f"{EVALSETS}/heldout_low_quality.json"  # held-out doc id -> why the house judges it low quality (expert label, document filter)

MIXTURE_TABLE = f"{MIXTURE}/mixture.json"
MIXTURE_PLOT = f"{MIXTURE}/mixture.png"
