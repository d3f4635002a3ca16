"""evaluation: injectors and hard negatives used by benchmarks/ and tests (no distilabel import)."""
