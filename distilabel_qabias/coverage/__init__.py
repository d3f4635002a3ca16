"""coverage: plain module, no distilabel import."""
