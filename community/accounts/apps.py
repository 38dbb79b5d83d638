from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "community.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.account.signals import password_reset
        from django.contrib.auth.signals import user_logged_in

        from . import login_limits

        # A device that logged in, or reset its password by e-mail, is known (login_limits.py).
        user_logged_in.connect(
            login_limits.on_login_or_password_reset, dispatch_uid="accounts.known_device.login"
        )
        password_reset.connect(
            login_limits.on_login_or_password_reset, dispatch_uid="accounts.known_device.reset"
        )
