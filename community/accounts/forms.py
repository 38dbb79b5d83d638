"""Forms for the member's own profile: pseudonym, language, time zone."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import time_zone_choices

DISPLAY_NAME_MIN_LENGTH = 3


def clean_display_name(value: str, *, user_id: int | None = None) -> str:
    """Return a usable, unused display name or raise a translated ValidationError."""
    name = " ".join(value.split())
    if len(name) < DISPLAY_NAME_MIN_LENGTH:
        raise forms.ValidationError(
            _("Choose a display name of at least %(count)d characters."),
            code="too_short",
            params={"count": DISPLAY_NAME_MIN_LENGTH},
        )
    if "@" in name:
        raise forms.ValidationError(
            _("A display name cannot contain “@”: do not use your e-mail address."),
            code="looks_like_email",
        )
    taken = get_user_model().objects.filter(display_name__iexact=name).exclude(pk=user_id)
    if taken.exists():
        raise forms.ValidationError(
            _("This display name is already taken. Please choose another."), code="taken"
        )
    return name


def current_language() -> str:
    language = translation.get_language() or ""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class ProfileFieldsMixin(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=40,
        help_text=_(
            "The name other members see. Use a pseudonym, not your real name "
            "(for example “Morning walker”)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    language = forms.ChoiceField(
        label=_("Language for the site and e-mails"),
        choices=settings.LANGUAGES,
        # The page's language: the invitation's language for a newcomer from its link.
        initial=current_language,
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=time_zone_choices, initial=settings.TIME_ZONE
    )


class SignupProfileForm(ProfileFieldsMixin):
    """Extra sign-up fields, merged by allauth into its sign-up form."""

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])

    def apply_profile(self, user) -> None:
        """Copy the profile choices onto a user that is about to be saved."""
        user.display_name = self.cleaned_data["display_name"]
        user.language = self.cleaned_data["language"]
        user.time_zone = self.cleaned_data["time_zone"]

    def signup(self, request, user) -> None:
        """Required by allauth; the profile is applied in the adapter before the first save."""


class PreferencesForm(ProfileFieldsMixin):
    def __init__(self, *args, user, **kwargs):
        self.user = user
        kwargs.setdefault(
            "initial",
            {
                "display_name": user.display_name,
                "language": user.language,
                "time_zone": user.time_zone,
            },
        )
        super().__init__(*args, **kwargs)

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"], user_id=self.user.pk)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
