"""Hostile-input corpus: generator, cases and the test that runs them."""
