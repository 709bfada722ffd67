"""Where the cleaned stage's artifacts live under the storage root (DESIGN.md's storage table)."""

CORPUS = "cleaned/corpus"  # curated training documents (Parquet)
LEDGER = "cleaned/ledger.json"  # documents_in = kept + removed + quarantined, total and per source
FUNNEL_PLOT = "cleaned/funnel.json"  # DVC plot data: per source, documents kept and removed by step, in pipeline order
FUNNEL_PNG = "cleaned/funnel.png"  # the same as a stacked bar chart per source
REMOVALS = "cleaned/removals"  # one row per removed document: doc_id, source, reason (Parquet)
EVALSETS = "cleaned/evalsets"  # held-out evaluation sets (documents, QA)
EVAL_DOCUMENTS = "cleaned/evalsets/documents"  # eval_only documents (Parquet, corpus schema)
GRAPH = "cleaned/graph"  # knowledge graph tables and exports
SYNTHETIC = "cleaned/synthetic"  # generated documents with provenance (Parquet)
MIXTURE = "cleaned/mixture"  # the training mixture the tokenizer reads (Parquet, corpus schema + extras)
RAW_RECIPE = "cleaned/raw_recipe"  # ablation: legally usable raw documents, minimal cleaning
