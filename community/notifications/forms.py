from django import forms
from django.utils.translation import gettext_lazy as _

from .kinds import Email, all_kinds
from .services import email_choice


class EmailChoicesForm(forms.Form):
    """One choice per registered kind: immediately, in the daily summary, or never."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in all_kinds():
            self.fields[kind.key] = forms.ChoiceField(
                label=kind.label,
                choices=Email.CHOICES,
                initial=email_choice(user, kind.key),
                widget=forms.RadioSelect,
                help_text=_("E-mails say only what happened and where, never what was written."),
            )

    def choices(self) -> dict[str, str]:
        return dict(self.cleaned_data)
