from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ConsentDocument, Kind


class AcceptanceForm(forms.Form):
    """One box per required document to accept, one per optional one to decide on."""

    def __init__(
        self, *args, required: list[ConsentDocument], optional: list[ConsentDocument], **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.required_documents = required
        self.optional_documents = optional
        # The versions on the page: if staff publish another meanwhile, the answer is not
        # recorded for a text the member never saw.
        self.fields["shown"] = forms.CharField(
            required=False,
            widget=forms.HiddenInput,
            initial=",".join(f"{d.kind}:{d.version}" for d in [*required, *optional]),
        )
        for document in required:
            self.fields[f"accept_{document.kind}"] = forms.BooleanField(
                label=_("I have read and accept: %(title)s") % {"title": document.title},
                error_messages={
                    "required": _("To continue, please accept: %(title)s")
                    % {"title": document.title}
                },
            )
        for document in optional:
            self.fields[f"grant_{document.kind}"] = forms.BooleanField(
                required=False,
                label=_("I agree (optional): %(title)s") % {"title": document.title},
            )

    def shown_versions(self) -> dict[str, int] | None:
        if not self.cleaned_data["shown"]:
            return None
        shown = {}
        for pair in self.cleaned_data["shown"].split(","):
            kind, _, version = pair.partition(":")
            if version.isdigit():
                shown[kind] = int(version)
        return shown

    def answers(self) -> dict:
        granted = [d.kind for d in self.optional_documents if self.cleaned_data[f"grant_{d.kind}"]]
        return {
            "shown": self.shown_versions(),
            "required": [document.kind for document in self.required_documents],
            "optional_granted": granted,
            "optional_declined": [d.kind for d in self.optional_documents if d.kind not in granted],
        }


class DraftForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=Kind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    translation_of_current = forms.BooleanField(
        label=_("This is a translation of the version in force"),
        help_text=_("Members who accepted that version are not asked again."),
        required=False,
    )
    title = forms.CharField(label=_("Title"), max_length=150)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("Markdown: **bold**, lists, links."),
    )
    summary_of_changes = forms.CharField(
        label=_("What changed"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Shown to members who accepted an earlier version. Plain words, briefly."),
    )
    effective_at = forms.DateTimeField(
        label=_("In force from"),
        initial=timezone.now,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Members are asked to accept this version from this moment."),
    )

    @classmethod
    def for_document(cls, document: ConsentDocument, data=None) -> "DraftForm":
        initial = {
            field: getattr(document, field)
            for field in ("kind", "language", "title", "body", "summary_of_changes", "effective_at")
        }
        return cls(data, initial=initial)
