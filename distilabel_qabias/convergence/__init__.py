"""convergence: plain module, no distilabel import."""
