"""text: plain module, no distilabel import."""
