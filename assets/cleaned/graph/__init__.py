"""Structure and generation in the cleaned group: the house's knowledge graph, held-out evaluation
sets drawn from it, synthetic documents rendered from it, and the training mixture.

Order: raw -> graph -> evalsets -> (corpus) -> synthetic -> mixture. Each module exposes the stage
functions `build_*(settings, out, partition_keys=None) -> metadata`, `outputs` and `gate_tables`.
"""
