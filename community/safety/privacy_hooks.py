"""Safety's part in data rights: the author's answers to personal-data warnings."""

from django.utils.translation import gettext_lazy as _

from community.privacy.erasure import Eraser, register_eraser
from community.privacy.exports import ExportSection, register_export_section, when

from .models import PersonalDataConfirmation
from .personal_data import KIND_LABELS


def confirmations_given(user) -> list[dict]:
    return [
        {
            "about": f"{record.kind}:{record.object_id}",
            "answer": record.get_answer_display(),
            "kind": ", ".join(str(KIND_LABELS.get(found, found)) for found in record.found),
            "created": when(record.created_at),
        }
        for record in PersonalDataConfirmation.objects.filter(author=user)
    ]


def erase_confirmations(user, delete_content: bool) -> None:
    """With the content gone, so is what was said about it; content kept as a former
    member's keeps its confirmation, the reason it could be shared."""
    if delete_content:
        PersonalDataConfirmation.objects.filter(author=user).delete()


def register_privacy_hooks() -> None:
    register_export_section(
        ExportSection(
            "safety.personal_data", _("Your answers about personal details"), confirmations_given
        )
    )
    register_eraser(Eraser("safety", erase_confirmations))
