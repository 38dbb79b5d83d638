"""What the review queue's item page says about the author's answer to a warning."""

from django.utils.translation import gettext as _

from .models import PersonalDataConfirmation
from .personal_data import KIND_LABELS, Answer


def confirmation_notes(kind: str, object_id: int) -> list[str]:
    """One sentence per confirmation the author gave for this content."""
    notes = []
    for record in PersonalDataConfirmation.objects.filter(kind=kind, object_id=object_id):
        details = ", ".join(str(KIND_LABELS.get(found, found)) for found in record.found)
        if record.answer == Answer.OWN:
            sentence = _("When posting, the author confirmed that %(details)s is about them.")
        else:
            sentence = _(
                "When posting, the author confirmed that %(details)s is about someone who "
                "agreed to share it."
            )
        notes.append(sentence % {"details": details})
    return notes
