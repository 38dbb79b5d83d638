from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Role


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address of the person to invite"),
        help_text=lazy(
            lambda: (
                ngettext(
                    "They receive a link that works once and expires after %(days)d day.",
                    "They receive a link that works once and expires after %(days)d days.",
                    settings.INVITATION_VALID_DAYS,
                )
                % {"days": settings.INVITATION_VALID_DAYS}
            ),
            str,
        )(),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role in the group"), choices=Role.choices, initial=Role.MEMBER
    )
