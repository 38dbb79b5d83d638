"""What is in force, and what a member has agreed to: asked on every request, so cached.

Both answers live in the cache (Redis in production) and are dropped by the services that
change them: publishing a version, or writing a record to the ledger.
"""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from .models import REQUIRED_KINDS, ConsentDocument, ConsentRecord, Kind

CURRENT_KEY = "consent:current-versions"
# A version published with a future effective date must start to count without a publish.
CURRENT_TTL = timedelta(seconds=60)


def user_key(user_id: int) -> str:
    return f"consent:user:{user_id}"


def current_versions() -> dict[str, int]:
    """The version in force of each kind of document that has one."""
    cached = cache.get(CURRENT_KEY)
    now = timezone.now()
    if cached is not None and cached["valid_until"] > now:
        return cached["versions"]
    versions: dict[str, int] = {}
    for kind, version in ConsentDocument.objects.in_force(now).values_list("kind", "version"):
        versions[kind] = max(version, versions.get(kind, 0))
    cache.set(CURRENT_KEY, {"versions": versions, "valid_until": next_change(now)}, 3600)
    return versions


def next_change(now: datetime) -> datetime:
    """When the cached versions must be looked up again."""
    upcoming = (
        ConsentDocument.objects.published()
        .filter(effective_at__gt=now)
        .order_by("effective_at")
        .values_list("effective_at", flat=True)
        .first()
    )
    horizon = now + CURRENT_TTL
    return min(upcoming, horizon) if upcoming else horizon


def forget_current_versions() -> None:
    cache.delete(CURRENT_KEY)


def granted_versions(user) -> dict[str, int]:
    """Per kind, the version the member's latest decision granted (withdrawn kinds absent)."""
    key = user_key(user.pk)
    cached = cache.get(key)
    if cached is not None:
        return cached
    latest: dict[str, ConsentRecord] = {}
    for record in ConsentRecord.objects.filter(user=user).only("kind", "version", "decision"):
        latest.setdefault(record.kind, record)  # newest first (Meta.ordering)
    granted = {
        kind: record.version
        for kind, record in latest.items()
        if record.decision == ConsentRecord.Decision.GRANTED
    }
    cache.set(key, granted, 3600)
    return granted


def forget_member(user_id: int) -> None:
    cache.delete(user_key(user_id))


def has_consent(user, kind: str) -> bool:
    """Whether the member has agreed to the version of `kind` in force now."""
    version = current_versions().get(kind)
    return version is not None and granted_versions(user).get(kind) == version


def missing_required(user) -> list[str]:
    """Required kinds whose version in force the member has not accepted (gating)."""
    if not user.is_authenticated:
        return []
    current = current_versions()
    granted = granted_versions(user)
    return [
        kind for kind in REQUIRED_KINDS if kind in current and granted.get(kind) != current[kind]
    ]


def undecided_optional(user) -> list[str]:
    """Optional kinds in force on whose current version the member has not decided yet."""
    current = current_versions()
    decided = set(
        ConsentRecord.objects.filter(
            user=user, kind__in=current, version__in=current.values()
        ).values_list("kind", "version")
    )
    return [
        kind
        for kind in Kind.values
        if kind not in REQUIRED_KINDS and kind in current and (kind, current[kind]) not in decided
    ]


def users_consenting_to(kind: str) -> QuerySet:
    """Members whose latest decision grants the version of `kind` in force now.

    The knowledge bank and research exports filter on this, so a withdrawal counts at once.
    """
    User = get_user_model()
    version = current_versions().get(kind)
    if version is None:
        return User.objects.none()
    latest = ConsentRecord.objects.filter(user=OuterRef("pk"), kind=kind).order_by(
        "-created_at", "-id"
    )
    return User.objects.annotate(
        consent_decision=Subquery(latest.values("decision")[:1]),
        consent_version=Subquery(latest.values("version")[:1]),
    ).filter(
        consent_decision=ConsentRecord.Decision.GRANTED,
        consent_version=version,
        erased_at__isnull=True,
    )


def document_for(kind: str, version: int, language: str) -> ConsentDocument | None:
    """The published text of a version, in the member's language if it was translated."""
    candidates = list(ConsentDocument.objects.published().filter(kind=kind, version=version))
    for wanted in (language, "en"):
        for document in candidates:
            if document.language == wanted:
                return document
    return candidates[0] if candidates else None
