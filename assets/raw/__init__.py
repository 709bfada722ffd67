"""Stage 1, raw sources: whatever the house keeps, read into documents with rights and PII class."""
