"""report: plain module, no distilabel import."""
