from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "community.safety"
    label = "safety"
    verbose_name = _("Safety")

    def ready(self) -> None:
        from community.moderation.registry import register_item_notes

        from .moderation_hooks import confirmation_notes
        from .privacy_hooks import register_privacy_hooks

        register_item_notes(confirmation_notes)
        register_privacy_hooks()
