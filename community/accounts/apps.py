from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "community.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from . import login_limits, sockets

        # Live sockets follow logins ending and passwords changing (sockets.py).
        user_logged_out.connect(sockets.on_logout, dispatch_uid="accounts.sockets.logout")
        password_changed.connect(
            sockets.on_password_changed, dispatch_uid="accounts.sockets.password_changed"
        )
        password_set.connect(
            sockets.on_password_changed, dispatch_uid="accounts.sockets.password_set"
        )
        password_reset.connect(
            sockets.on_password_reset, dispatch_uid="accounts.sockets.password_reset"
        )

        # A device that logged in, or reset its password by e-mail, is known (login_limits.py).
        user_logged_in.connect(
            login_limits.on_login_or_password_reset, dispatch_uid="accounts.known_device.login"
        )
        password_reset.connect(
            login_limits.on_login_or_password_reset, dispatch_uid="accounts.known_device.reset"
        )
