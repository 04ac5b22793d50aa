from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "procure.core"
    label = "core"

    def ready(self) -> None:
        # Bind @shared_task to procure's app in every Django process (web, shell, tests), so
        # that .delay() sends to our Redis broker and queues.
        import procure.celery  # noqa: F401
