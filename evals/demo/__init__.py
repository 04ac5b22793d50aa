"""Tiny real models and suites for tests and the demo, built offline and reproducibly.

Everything here is built from a corpus shipped in the repository (licence texts and Python
standard library source, frozen once from a machine's files: see `corpora`), with fixed seeds,
so no model hub or dataset download is ever needed and every machine builds the same models.
See `build.ensure_demo_assets`.
"""
