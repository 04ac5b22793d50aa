"""Tiny real models and suites for tests and the demo, built offline and reproducibly.

Everything here is built from text already on the machine (licence files, the Python standard
library), so no model hub or dataset download is ever needed. See `build.ensure_demo_assets`.
"""
