"""The sample generator behind ``scripts/make_samples.py``, one module per sample or step."""
