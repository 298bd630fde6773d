"""Demo, synthetic province and benchmark: tools beside the product apps (see apps.py)."""
