"""Celery, wired once. See https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every task publishes through PublishOnceTask: a down broker costs a request one timeout.
app = Celery("community", task_cls="config.outages:PublishOnceTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
