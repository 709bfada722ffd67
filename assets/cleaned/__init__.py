"""Stage 2, cleaned corpora: raw documents into the curated training corpus, every drop accounted for."""
