"""procure: evidence-based decision support for buying AI models.

The Celery app is loaded by CoreConfig.ready(), not here, so that the pure-Python packages
under procure/ (the decision engine) import without pulling in Celery or Django.
"""
