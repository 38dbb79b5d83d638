from .models import REQUIRED_KINDS, Kind
from .state import current_versions


def legal_documents(request) -> dict:
    """The required documents in force, linked from every page's footer."""
    versions = current_versions(request.user)
    return {
        "legal_documents": [(kind, Kind(kind).label) for kind in REQUIRED_KINDS if kind in versions]
    }
