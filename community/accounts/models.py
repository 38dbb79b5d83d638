"""The member: logs in by e-mail, is shown to peers only by a pseudonymous display name."""

import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
    _user_has_perm,
)
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def time_zone_choices() -> list[tuple[str, str]]:
    """List every IANA time zone, sorted, as form choices."""
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        email = self.normalize_email(email)
        # Never derived from the address: "anna.svensson@…" would unmask its owner.
        fields.setdefault("display_name", f"Member {secrets.token_hex(3)}")
        user = self.model(email=email, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **fields)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Peers see `display_name` only, never the e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=40,
        help_text=_("The name other members see. Use a pseudonym, not your real name."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    is_staff = models.BooleanField(
        _("staff"),
        default=False,
        help_text=_("Administrators of the organisation: create groups, invite, verify."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Set by staff until the clinician verification workflow replaces it.
    is_verified_clinician = models.BooleanField(_("verified clinician"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Set when the member closed their account: the row stays, scrubbed of personal data,
    # so content kept as "former member" and the consent ledger still point somewhere.
    erased_at = models.DateTimeField(_("account closed"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("display_name"), name="accounts_user_display_name_ci_unique"
            ),
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return str(self.public_name)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The member's time zone (for work outside a request: e-mails, exports); the
        site's for a name that is unknown here."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(settings.TIME_ZONE)

    @property
    def public_name(self) -> str:
        """The name peers see: the pseudonym, or "Former member" once the account is closed."""
        if self.erased_at is not None:
            return _("Former member")
        return self.display_name

    def has_perm(self, perm: str, obj=None) -> bool:
        """Object permissions come from the access policy for everyone, superusers too.

        Django lets a superuser pass every check; inside a group that would let an
        administrator read and write as a member without being one.
        """
        if obj is not None:
            return self.is_active and _user_has_perm(self, perm, obj)
        return super().has_perm(perm, obj)

    def get_short_name(self) -> str:
        return self.display_name

    def get_full_name(self) -> str:
        return self.display_name
