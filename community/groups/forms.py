import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Role

# Addresses pasted from a spreadsheet or an e-mail: one a line, or commas and semicolons.
ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")
MAX_ADDRESSES = 50


def valid_days_help() -> str:
    return ngettext(
        "One address a line, or separated by commas. Each receives a link that works "
        "once and expires after %(days)d day.",
        "One address a line, or separated by commas. Each receives a link that works "
        "once and expires after %(days)d days.",
        settings.INVITATION_VALID_DAYS,
    ) % {"days": settings.INVITATION_VALID_DAYS}


class InvitationForm(forms.Form):
    """Invite one or several addresses to a group, in one role and one language."""

    email = forms.CharField(
        label=_("E-mail addresses of the people to invite"),
        help_text=lazy(valid_days_help, str)(),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label=_("Role in the group"), choices=Role.choices, initial=Role.MEMBER
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        help_text=_("The e-mail is written in it, and the sign-up page opens in it."),
        choices=settings.LANGUAGES,
        required=False,  # not sent: the group's language
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = group.language

    def clean_email(self) -> list[str]:
        """Every address, lower-cased, in the order given; each bad one named in an error."""
        addresses = [part for part in ADDRESS_SEPARATORS.split(self.cleaned_data["email"]) if part]
        if len(addresses) > MAX_ADDRESSES:
            raise ValidationError(
                _("Please invite at most %(count)d people at a time."),
                code="too_many",
                params={"count": MAX_ADDRESSES},
            )
        errors, seen, emails = [], set(), []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                errors.append(
                    ValidationError(
                        _("“%(address)s” is not a valid e-mail address."),
                        code="invalid",
                        params={"address": address},
                    )
                )
                continue
            email = address.lower()
            if email in seen:
                errors.append(
                    ValidationError(
                        _("“%(address)s” is listed more than once."),
                        code="repeated",
                        params={"address": address},
                    )
                )
                continue
            seen.add(email)
            emails.append(email)
        if errors:
            raise ValidationError(errors)
        if not emails:
            raise ValidationError(_("Please enter at least one e-mail address."), code="required")
        return emails
