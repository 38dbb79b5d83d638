"""What is in force, and what a member has agreed to.

Asked on every request, so each answer is kept on the request's user object (like the
membership cache in groups.policy) and never across requests: the database is the source of
truth, and a published version or a withdrawal counts from the very next request. Services
that write to the ledger call `forget_member` for the object they were given.
"""

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from .models import REQUIRED_KINDS, ConsentDocument, ConsentRecord, Kind

CURRENT_ATTRIBUTE = "_consent_current_versions"
GRANTED_ATTRIBUTE = "_consent_granted_versions"


def current_versions(viewer=None) -> dict[str, int]:
    """The version in force of each kind of document that has one (kept on `viewer`)."""
    if viewer is not None and hasattr(viewer, CURRENT_ATTRIBUTE):
        return getattr(viewer, CURRENT_ATTRIBUTE)
    if viewer is not None and getattr(viewer, "pk", None) is not None:
        return look_up_member(viewer)[0]
    versions: dict[str, int] = {}
    for kind, version in ConsentDocument.objects.in_force().values_list("kind", "version"):
        versions[kind] = max(version, versions.get(kind, 0))
    if viewer is not None:
        setattr(viewer, CURRENT_ATTRIBUTE, versions)
    return versions


def granted_versions(user) -> dict[str, int]:
    """Per kind, the version the member's latest decision granted (withdrawn kinds absent)."""
    if hasattr(user, GRANTED_ATTRIBUTE):
        return getattr(user, GRANTED_ATTRIBUTE)
    if not hasattr(user, CURRENT_ATTRIBUTE):
        return look_up_member(user)[1]
    latest: dict[str, ConsentRecord] = {}
    for record in ConsentRecord.objects.filter(user=user).only("kind", "version", "decision"):
        latest.setdefault(record.kind, record)  # newest first (Meta.ordering)
    granted = {
        kind: record.version
        for kind, record in latest.items()
        if record.decision == ConsentRecord.Decision.GRANTED
    }
    setattr(user, GRANTED_ATTRIBUTE, granted)
    return granted


# Both answers of the gate in one round trip: the documents in force, then the member's
# decisions newest first (the same rows and order as the two querysets above would read).
MEMBER_STATE_SQL = """
SELECT 0, kind, version, '', created_at, id FROM {documents}
 WHERE published_at IS NOT NULL AND effective_at <= %s
UNION ALL
SELECT 1, kind, version, decision, created_at, id FROM {records} WHERE user_id = %s
ORDER BY 1, 5 DESC, 6 DESC
"""


def look_up_member(user) -> tuple[dict[str, int], dict[str, int]]:
    """Read what is in force and what the member granted in one query; keep both on `user`.

    Every page asks both (the gate), so they are read together rather than as two queries.
    """
    sql = MEMBER_STATE_SQL.format(
        documents=ConsentDocument._meta.db_table, records=ConsentRecord._meta.db_table
    )
    versions: dict[str, int] = {}
    latest: dict[str, tuple[int, str]] = {}
    connection = connections[router.db_for_read(ConsentRecord)]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, user.pk])
        for source, kind, version, decision, _at, _id in cursor.fetchall():
            if source == 0:
                versions[kind] = max(version, versions.get(kind, 0))
            else:
                latest.setdefault(kind, (version, decision))  # newest first
    granted = {
        kind: version
        for kind, (version, decision) in latest.items()
        if decision == ConsentRecord.Decision.GRANTED
    }
    setattr(user, CURRENT_ATTRIBUTE, versions)
    setattr(user, GRANTED_ATTRIBUTE, granted)
    return versions, granted


def look_up_members(users) -> None:
    """What is in force and what each of `users` granted, kept on each (two queries for
    any number of members: a room's live sockets looked at together). Users that carry
    both answers already are left as they are."""
    users = [
        user
        for user in users
        if getattr(user, "pk", None) is not None and not answers_kept_on(user)
    ]
    if not users:
        return
    versions: dict[str, int] = {}
    for kind, version in ConsentDocument.objects.in_force().values_list("kind", "version"):
        versions[kind] = max(version, versions.get(kind, 0))
    latest: dict[int, dict[str, tuple[int, str]]] = {}
    records = ConsentRecord.objects.filter(user_id__in={user.pk for user in users})
    for user_id, kind, version, decision in records.values_list(
        "user_id", "kind", "version", "decision"
    ):  # newest first (Meta.ordering)
        latest.setdefault(user_id, {}).setdefault(kind, (version, decision))
    for user in users:
        granted = {
            kind: version
            for kind, (version, decision) in latest.get(user.pk, {}).items()
            if decision == ConsentRecord.Decision.GRANTED
        }
        setattr(user, CURRENT_ATTRIBUTE, dict(versions))
        setattr(user, GRANTED_ATTRIBUTE, granted)


def answers_kept_on(user) -> bool:
    """Whether both answers of the gate are kept on this user object already (looked up a
    moment ago for this request or socket handshake), so asking costs no query."""
    return hasattr(user, CURRENT_ATTRIBUTE) and hasattr(user, GRANTED_ATTRIBUTE)


def forget_member(user) -> None:
    """Drop what was kept on this user object (after writing to their ledger)."""
    for attribute in (CURRENT_ATTRIBUTE, GRANTED_ATTRIBUTE):
        if hasattr(user, attribute):  # delattr, not __dict__: request.user is a lazy proxy
            delattr(user, attribute)


def has_consent(user, kind: str) -> bool:
    """Whether the member has agreed to the version of `kind` in force now."""
    version = current_versions(user).get(kind)
    return version is not None and granted_versions(user).get(kind) == version


def missing_required(user) -> list[str]:
    """Required kinds whose version in force the member has not accepted (gating)."""
    if not user.is_authenticated:
        return []
    current = current_versions(user)
    granted = granted_versions(user)
    return [
        kind for kind in REQUIRED_KINDS if kind in current and granted.get(kind) != current[kind]
    ]


def has_accepted_required_documents(user) -> bool:
    """Whether the member may take part: nothing required is left to accept."""
    return not missing_required(user)


def undecided_optional(user) -> list[str]:
    """Optional kinds in force on whose current version the member has not decided yet."""
    current = current_versions(user)
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
