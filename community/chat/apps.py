from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "community.chat"
    label = "chat"
    verbose_name = _("Chat")

    def ready(self) -> None:
        from community.groups.demo import register_demo_seeder
        from community.moderation.registry import register

        from . import policy  # noqa: F401  (registers the chat permissions)
        from .demo import seed_chat_demo
        from .moderation_hooks import CHAT_MESSAGE
        from .privacy_hooks import register_privacy_hooks

        register(CHAT_MESSAGE)
        register_demo_seeder(seed_chat_demo)
        register_privacy_hooks()
