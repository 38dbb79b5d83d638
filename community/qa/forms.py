from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from community.safety.forms import PersonalDataFormMixin


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class QuestionForm(PersonalDataFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=settings.CHAT_MESSAGE_MAX_LENGTH,
        error_messages={"required": _("Please write your question.")},
    )
    anonymous = forms.BooleanField(
        label=_("Ask anonymously (other members will not see your name)"), required=False
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Answer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=settings.CHAT_MESSAGE_MAX_LENGTH,
        error_messages={"required": _("Please write the answer.")},
    )


class KnowledgeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    quote = forms.BooleanField(
        label=_("Quote the member's question (they have agreed to be quoted)"), required=False
    )
    paraphrase = forms.CharField(
        label=_("The question in your own words"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
