from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "community.forum"
    label = "forum"
    verbose_name = _("Forum")

    def ready(self) -> None:
        from . import policy  # noqa: F401  (registers the forum's permissions)
