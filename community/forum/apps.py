from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "community.forum"
    label = "forum"
    verbose_name = _("Forum")

    def ready(self) -> None:
        from community.groups.demo import register_demo_seeder

        from . import policy  # noqa: F401  (registers the forum's permissions)
        from .demo import seed_forum_demo

        register_demo_seeder(seed_forum_demo)
