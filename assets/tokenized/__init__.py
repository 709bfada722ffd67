"""Stage 3, tokenized shards: the house's tokenizer and flat binary shards any trainer can stream."""
