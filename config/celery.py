"""Celery, wired once. See https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("community")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
