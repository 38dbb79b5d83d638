import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from community.safety.forms import PersonalDataFormMixin


class MessageForm(PersonalDataFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 2, "aria-describedby": "chat-send-hint"}),
        max_length=settings.CHAT_MESSAGE_MAX_LENGTH,
        error_messages={"required": _("Please write something before sending.")},
    )
    # A new id per page load: pressing Send twice (or reloading the post) sends once.
    client_id = forms.CharField(widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex)


class EditMessageForm(PersonalDataFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=settings.CHAT_MESSAGE_MAX_LENGTH,
        error_messages={"required": _("Please write something before saving.")},
    )
