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

    def __init__(self, *args, takes_clinician_notes: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not takes_clinician_notes:
            self.fields["reason"].choices = Reason.concerns()


Action = ModerationAction.Action
# What happens on its own, not by a decision in this form.
NOT_DECIDED_HERE = (
    Action.AUTO_HIDE,
    Action.HELD_AFTER_EDIT,
    Action.APPEAL,
    Action.CLINICIAN_NOTE,
)
APPEAL_DECISIONS = ModerationAction.APPEAL_VERDICTS


class ActionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (choice, label)
            for choice, label in Action.choices
            if choice not in (*NOT_DECIDED_HERE, *APPEAL_DECISIONS, Action.NO_NOTE_NEEDED)
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when removing: the author is told this reason."),
    )
    mute_days = forms.TypedChoiceField(
        label=_("Mute for"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("(only when muting)")),
            (1, _("1 day")),
            (3, _("3 days")),
            (7, _("1 week")),
            (30, _("30 days")),
        ],
    )
    new_text = forms.CharField(
        label=_("Redacted text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For a redaction: the post with only the problem removed."),
    )

    def __init__(
        self,
        *args,
        offers_no_note: bool = False,
        appeal_pending: bool = False,
        offered: list[tuple[str, str]] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if offered is not None:  # only the decisions that fit the item (see offers.py)
            self.fields["action"].choices = offered
            return
        if appeal_pending:  # the appeal is answered first, and alone
            self.fields["action"].choices = [(choice, choice.label) for choice in APPEAL_DECISIONS]
        if offers_no_note:  # a clinician, asked for their word
            self.fields["action"].choices = [
                (Action.NO_NOTE_NEEDED, Action.NO_NOTE_NEEDED.label),
                *self.fields["action"].choices,
            ]


class AppealForm(forms.Form):
    message = forms.CharField(
        label=_("Why should moderators look again?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "You can appeal once. Someone other than the moderator who decided will read it."
        ),
    )


class SupportMessageForm(forms.Form):
    body = forms.CharField(
        label=_("A private message to the member"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Only the member and the group's moderators read it. Be warm and brief; the "
            "member is told there is a message, never what it says, outside this site."
        ),
    )
