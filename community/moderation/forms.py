from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ModerationAction, Reason


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What worries you about this?"), choices=Reason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Anything moderators should know (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The author will not be told who raised the concern."),
    )


class ActionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (choice, label)
            for choice, label in ModerationAction.Action.choices
            if choice != ModerationAction.Action.AUTO_HIDE
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when removing: the author is told this reason."),
    )
    new_text = forms.CharField(
        label=_("Redacted text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For a redaction: the post with only the problem removed."),
    )
