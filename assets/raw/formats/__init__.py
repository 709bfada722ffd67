"""One module per source format; assets/raw/readers.py registers them."""
