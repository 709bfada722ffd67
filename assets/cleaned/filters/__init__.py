"""Heuristic quality filters (Gopher quality and repetition, C4, FineWeb), each a Step whose
removal reasons are `<filter>.<rule>` with datatrove's rule names."""
