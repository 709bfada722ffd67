"""Stage 5, eval reports: what the model knows, what it leaks and what the data bought."""
