"""The member's consent history, for their data export."""

from community.privacy.exports import when

from .models import ConsentRecord


def consent_history(user) -> list[dict]:
    return [
        {
            "document": record.get_kind_display(),
            "version": record.version,
            "language": record.document.language,
            "decision": record.get_decision_display(),
            "how": record.get_method_display(),
            "when": when(record.created_at),
        }
        for record in ConsentRecord.objects.filter(user=user).select_related("document")
    ]
