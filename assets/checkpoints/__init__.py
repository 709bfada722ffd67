"""Stage 4, trained checkpoints: a GPT pre-trained from scratch on the tokenized shards."""
