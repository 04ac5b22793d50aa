"""Everything procure knows about lm-evaluation-harness, in pure Python (no Django).

The Django side hands in frozen specs (`evals.spec`) and gets frozen results back; nothing in
this package reads the database or Django settings.
"""
