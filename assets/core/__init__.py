"""Ground floor: settings, storage and the ledger. Imports no stage."""
