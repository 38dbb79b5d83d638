from django import forms
from django.utils.translation import gettext_lazy as _

from .kinds import Email
from .services import email_choice, kinds_for


class EmailChoicesForm(forms.Form):
    """One choice per kind the member could receive: immediately, in the daily summary, or
    never (other kinds are not offered, and posted values for them are ignored)."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds_for(user):
            self.fields[kind.key] = forms.ChoiceField(
                label=kind.label,
                choices=Email.CHOICES,
                initial=email_choice(user, kind.key),
                widget=forms.RadioSelect,
                help_text=_("E-mails say only what happened and where, never what was written."),
            )

    def choices(self) -> dict[str, str]:
        return dict(self.cleaned_data)
