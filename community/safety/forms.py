"""The personal-data warning's part of every writing form (forum, chat, Q&A)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .personal_data import Answer, Confirmation, PersonalDataFound

ANSWER, FINGERPRINT = "personal_data_answer", "personal_data_fingerprint"
ANONYMOUSLY = "own_anonymous"  # offered where the form can post anonymously


class PersonalDataFormMixin:
    """Adds the author's answer to a personal-data warning to a writing form.

    A service refusal with PersonalDataFound, added to the form like any error, keeps the
    findings for the warning panel (safety/_personal_data_warning.html); the answer then
    reaches the service as `cleaned_data["personal_data"]`.
    """

    personal_data_warning: PersonalDataFound | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(Answer.choices)
        if "anonymous" in self.fields:
            choices.insert(1, (ANONYMOUSLY, _("It is about me: post it anonymously")))
        self.fields[ANSWER] = forms.ChoiceField(
            label=_("Who are these details about?"),
            choices=choices,
            required=False,
            widget=forms.RadioSelect,
        )
        self.fields[FINGERPRINT] = forms.CharField(
            required=False, max_length=64, widget=forms.HiddenInput
        )

    def clean(self):
        data = super().clean()
        answer, fingerprint = data.pop(ANSWER, ""), data.pop(FINGERPRINT, "")
        if answer == ANONYMOUSLY:
            answer, data["anonymous"] = Answer.OWN, True
        data["personal_data"] = Confirmation.from_values(answer, fingerprint)
        return data

    def add_error(self, field, error):
        if isinstance(error, PersonalDataFound):
            self.personal_data_warning = error
            # The answer given now covers exactly what was found now.
            self.data = self.data.copy()
            self.data[self.add_prefix(FINGERPRINT)] = error.fingerprint
            field = None  # about the whole text, shown above the form
        super().add_error(field, error)

    def writing_fields(self):
        """The form's own fields, without the warning's (the panel shows those)."""
        return [field for field in self if field.name not in (ANSWER, FINGERPRINT)]

    def get_context(self):
        context = super().get_context()
        context["fields"] = [
            (field, errors) for field, errors in context["fields"] if field.name != ANSWER
        ]
        context["hidden_fields"] = [
            field for field in context["hidden_fields"] if field.name != FINGERPRINT
        ]
        return context
