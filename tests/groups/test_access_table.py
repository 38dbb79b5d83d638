"""The declared access table: every URL name, every role, the expected outcome.

Every URL the project routes must have a row here; `test_every_url_has_a_row_in_the_access_table`
walks Django's URL resolver and fails for any URL without one. Later issues add their rows.
Outcomes are a status code, or LOGIN / MFA / REDIRECT for redirects to the login page, to
two-factor set-up, or elsewhere.

Two roles are derived unless a row names them: a superuser gets what staff get (object
rules apply to superusers too), and a moderator without two-factor authentication is sent to
set it up everywhere but their account pages and invitation links.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from community.chat.models import ChatRoom
from community.chat.services import send_message
from community.clinicians.services import apply_for_verification
from community.consent.models import Kind
from community.consent.services import publish_document, save_draft
from community.forum import services as forum_services
from community.forum.clinician_notes import write_clinician_note
from community.forum.images import clean_image
from community.groups.models import Invitation, Membership, Role
from community.groups.services import create_invitation
from community.moderation.services import flag_content
from community.notifications.models import Notification
from community.notifications.services import unsubscribe_token
from community.privacy.models import DataExport
from community.qa import services as qa_services
from community.qa.knowledge import add_entry
from tests.forum.photos import photo_upload

LOGIN, MFA, REDIRECT = "login", "mfa", "redirect"
ROLES = [
    "logged_out",
    "non_member",
    "member",
    "muted_member",
    "moderator",
    "clinician",
    "group_admin",
    "staff",
    "superuser",
    "moderator_no_mfa",
]
BASE_ROLES = ROLES[:8]  # every row names these; the last two are derived (see Row)
# Where a privileged user without two-factor may still go (PrivilegedAreaMFAMiddleware).
OPEN_TO_USERS_WITHOUT_MFA = (
    "account_",
    "mfa_",
    "accounts:",
    "groups:invitation_open",
    "notifications:unsubscribe",
)
# Every name in the admin namespace (one per model and action) behaves like the admin index.
NAMESPACES_COVERED_BY_ONE_ROW = {"admin": "admin:index"}


@dataclass
class Row:
    name: str
    expected: dict[str, object]
    kwargs: object = None  # callable(world) -> dict of URL kwargs
    method: str = "get"
    data: dict = field(default_factory=dict)
    setup: object = None  # callable(client, world), run after login and before the request

    def __post_init__(self):
        expected = dict(self.expected)
        expected.setdefault("superuser", expected["staff"])
        open_area = self.name.startswith(OPEN_TO_USERS_WITHOUT_MFA) or self.name == (
            "groups:invitation"
        )
        expected.setdefault("moderator_no_mfa", expected["member"] if open_area else MFA)
        self.expected = expected


def outcomes(**by_role) -> dict[str, object]:
    """Spell a row's outcomes: `default=` for all roles not named."""
    default = by_role.pop("default", None)
    table = {role: by_role.get(role, default) for role in BASE_ROLES}
    table.update({role: value for role, value in by_role.items() if role not in BASE_ROLES})
    missing = [role for role in BASE_ROLES if table[role] is None]
    assert not missing, f"no expected outcome for {missing}"
    return table


def signed_in(value, **others) -> dict[str, object]:
    """Logged-out visitors go to the login page; every signed-in role gets `value`."""
    return outcomes(logged_out=LOGIN, default=value, **others)


def inside_group(value, **others) -> dict[str, object]:
    """Group content: login for visitors, 404 for non-members, `value` for members."""
    return outcomes(logged_out=LOGIN, non_member=404, default=value, **others)


def group_slug(world) -> dict:
    return {"slug": world.group.slug}


def managed_invitation(world) -> dict:
    return {"slug": world.group.slug, "pk": world.invitation.pk}


MANAGERS_ONLY = {"member": 403, "muted_member": 403, "moderator": 403, "clinician": 403}
# Forum content is for members only: staff are not members by virtue of being staff.
MEMBERS_ONLY = {"staff": 404}
WRITERS_ONLY = {"muted_member": 403, "staff": 404}


def members_only(value, **others) -> dict[str, object]:
    """Forum pages: login for visitors, 404 for non-members and staff, `value` for members."""
    return inside_group(value, **{**MEMBERS_ONLY, **others})


def moderators_only(value) -> dict[str, object]:
    """Moderators and group admins get `value`; other members 403; outsiders 404."""
    return inside_group(403, moderator=value, group_admin=value, staff=404)


def reviewers_only(value) -> dict[str, object]:
    """The review queue: the group's moderators, clinicians and admins; 404 for all others."""
    return inside_group(404, moderator=value, clinician=value, group_admin=value)


def item_kwargs(world) -> dict:
    return {"slug": world.group.slug, "item_id": world.moderation_item.pk}


def thread_kwargs(world) -> dict:
    return {"slug": world.group.slug, "thread_id": world.thread.pk}


def post_kwargs(world) -> dict:
    return {"slug": world.group.slug, "post_id": world.post.pk}


def note_kwargs(world) -> dict:
    return {**post_kwargs(world), "note_id": world.clinician_note.pk}


def session_kwargs(world) -> dict:
    return {"slug": world.group.slug, "session_id": world.qa_session.pk}


def question_kwargs(world) -> dict:
    return {**session_kwargs(world), "question_id": world.question.pk}


def optional_kind(world) -> dict:
    return {"kind": world.document.kind}


def draft_kwargs(world) -> dict:
    return {"pk": world.draft.pk}


def image_kwargs(world) -> dict:
    return {"slug": world.group.slug, "image_id": world.image.pk}


ACCESS_TABLE = [
    # --- Home and the member's own settings ---
    Row("home", signed_in(200)),
    Row("accounts:preferences", signed_in(200)),
    Row(
        "accounts:set_language",
        outcomes(default=REDIRECT),
        method="post",
        data={"language": "sv", "next": "/"},
    ),
    # --- allauth: login, sign-up, passwords, e-mail ---
    Row("account_login", outcomes(logged_out=200, default=REDIRECT)),
    Row("account_logout", outcomes(logged_out=REDIRECT, default=200)),
    Row("account_inactive", outcomes(default=200)),
    Row("account_signup", outcomes(logged_out=200, default=REDIRECT)),
    Row("account_reauthenticate", signed_in(200)),
    Row("account_email", signed_in(200)),
    Row("account_email_verification_sent", outcomes(default=200)),
    Row("account_change_password", signed_in(200)),
    Row("account_set_password", signed_in(REDIRECT)),
    Row("account_reset_password", outcomes(default=200)),
    Row("account_reset_password_done", outcomes(default=200)),
    Row("account_reset_password_from_key_done", outcomes(default=200)),
    Row(
        "account_reset_password_from_key",
        outcomes(default=200),
        kwargs=lambda world: {"uidb36": "0", "key": "not-a-key"},
    ),
    Row(
        "account_confirm_email",
        outcomes(default=200),
        kwargs=lambda world: {"key": "not-a-key"},
    ),
    # Without a login in progress these send the visitor back to the login page.
    Row("account_confirm_login_code", outcomes(logged_out=LOGIN, default=REDIRECT)),
    # --- allauth: two-factor authentication ---
    Row("mfa_index", signed_in(200)),
    Row("mfa_authenticate", outcomes(logged_out=LOGIN, default=REDIRECT)),
    # Changing two-factor settings first asks for the password again (REDIRECT to
    # reauthenticate); users who have TOTP are sent on from the activation page.
    Row(
        "mfa_reauthenticate",
        signed_in(200, non_member=REDIRECT, member=REDIRECT, muted_member=REDIRECT),
    ),
    Row("mfa_activate_totp", signed_in(REDIRECT)),
    Row(
        "mfa_deactivate_totp",
        signed_in(
            404, moderator=REDIRECT, clinician=REDIRECT, group_admin=REDIRECT, staff=REDIRECT
        ),
    ),
    Row("mfa_view_recovery_codes", signed_in(404)),
    Row("mfa_generate_recovery_codes", signed_in(REDIRECT)),
    Row("mfa_download_recovery_codes", signed_in(404)),
    # --- Django admin: staff with two-factor only ---
    Row("admin_login_redirect", outcomes(default=LOGIN)),
    # Signed-in users who are not staff get 404 (the login page would send them back).
    Row("admin:index", outcomes(logged_out=LOGIN, default=404, staff=200)),
    # --- Groups ---
    Row(
        "groups:invitation",
        outcomes(default=REDIRECT),  # on to invitation_open, leaving the token behind
        kwargs=lambda world: {"token": world.invitation_token},
    ),
    Row(
        "groups:invitation_open",
        # Every signed-in role here has another address than the invited one.
        outcomes(logged_out=200, default=403),
        setup=lambda client, world: client.get(
            reverse("groups:invitation", kwargs={"token": world.invitation_token})
        ),
    ),
    Row("groups:detail", inside_group(200), kwargs=group_slug),
    Row(
        "groups:invitations",
        inside_group(200, **MANAGERS_ONLY),
        kwargs=group_slug,
    ),
    Row(
        "groups:invitation_revoke",
        inside_group(REDIRECT, **MANAGERS_ONLY),
        kwargs=managed_invitation,
        method="post",
    ),
    Row(
        "groups:invitation_resend",
        inside_group(REDIRECT, **MANAGERS_ONLY),
        kwargs=managed_invitation,
        method="post",
    ),
    # --- Forum (the member's post is world.post, an anonymous one with a photo) ---
    Row("forum:search", signed_in(200)),
    Row("forum:thread_list", members_only(200), kwargs=group_slug),
    Row("forum:thread_create", members_only(200, **WRITERS_ONLY), kwargs=group_slug),
    Row("forum:mark_all_read", members_only(REDIRECT), kwargs=group_slug, method="post"),
    Row("forum:thread_detail", members_only(200), kwargs=thread_kwargs),
    Row("forum:thread_unread", members_only(REDIRECT), kwargs=thread_kwargs),
    Row("forum:post_reply", members_only(200, **WRITERS_ONLY), kwargs=thread_kwargs),
    Row(
        "forum:thread_follow",
        members_only(REDIRECT),
        kwargs=thread_kwargs,
        method="post",
        data={"follow": "1"},
    ),
    Row(
        "forum:thread_moderate",
        moderators_only(REDIRECT),
        kwargs=thread_kwargs,
        method="post",
        data={"action": "pin"},
    ),
    Row("forum:thread_move", moderators_only(200), kwargs=thread_kwargs),
    Row("forum:post_permalink", members_only(REDIRECT), kwargs=post_kwargs),
    Row(
        "forum:post_link",
        members_only(REDIRECT),
        kwargs=lambda world: {"post_id": world.post.pk},
    ),
    Row("forum:post_edit", inside_group(403, member=200, staff=404), kwargs=post_kwargs),
    Row("forum:post_delete", inside_group(403, member=200, staff=404), kwargs=post_kwargs),
    Row(
        "forum:post_react",
        members_only(REDIRECT, **WRITERS_ONLY),
        kwargs=post_kwargs,
        method="post",
        data={"kind": "support"},
    ),
    Row("forum:post_history", moderators_only(200), kwargs=post_kwargs),
    Row("forum:note_history", moderators_only(200), kwargs=note_kwargs),
    Row("forum:post_author", moderators_only(200), kwargs=post_kwargs),
    # Only verified clinicians of the group write notes (the member wrote this post).
    Row("forum:clinician_note", inside_group(403, clinician=200, staff=404), kwargs=post_kwargs),
    Row("forum:image", members_only(200), kwargs=image_kwargs),
    Row("forum:mention_suggestions", members_only(200), kwargs=group_slug),
    # --- Moderation (world.moderation_item: the member's post, flagged by the muted member) ---
    Row(
        "moderation:flag",
        members_only(200),
        kwargs=lambda world: {"kind": "forum.post", "object_id": world.post.pk},
    ),
    # Queue and dashboard hold no content: staff see them too (not items, log or actions).
    Row("moderation:queue", reviewers_only(200) | {"staff": 200}, kwargs=group_slug),
    Row("moderation:log", reviewers_only(200), kwargs=group_slug),
    Row("moderation:dashboard", reviewers_only(200) | {"staff": 200}, kwargs=group_slug),
    Row("moderation:notices", signed_in(200)),
    # Each member's own messages from moderators (an empty list for those without any).
    Row("moderation:messages", signed_in(200)),
    Row("moderation:overview", signed_in(404, staff=200)),
    Row(
        "moderation:review_content",
        inside_group(404, moderator=200, clinician=200, group_admin=200),
        kwargs=lambda world: {"kind": "forum.post", "object_id": world.post.pk},
    ),
    Row(
        "moderation:appeal",
        # Only the author of removed content may appeal; world's item was only flagged, so
        # even its author gets 404 (the flag's existence stays unknown to them).
        outcomes(logged_out=LOGIN, default=404),
        kwargs=lambda world: {"item_id": world.moderation_item.pk},
    ),
    Row("moderation:item", reviewers_only(200), kwargs=item_kwargs),
    Row("moderation:claim", reviewers_only(REDIRECT), kwargs=item_kwargs, method="post"),
    Row(
        "moderation:act",
        reviewers_only(REDIRECT),
        kwargs=item_kwargs,
        method="post",
        data={"action": "keep"},
    ),
    # The group's reviewers write privately to the item's author (the member).
    Row(
        "moderation:message_author",
        reviewers_only(REDIRECT),
        kwargs=item_kwargs,
        method="post",
        data={"body": "How are you doing today?"},
    ),
    # --- Crisis lines ("Need help now?"): every signed-in person, whatever they still owe ---
    Row("safety:help", signed_in(200, moderator_no_mfa=200)),
    # --- Notifications (world.notification belongs to the member) ---
    Row("notifications:list", signed_in(200)),
    Row(
        "notifications:open",
        outcomes(logged_out=LOGIN, member=REDIRECT, default=404),
        kwargs=lambda world: {"pk": world.notification.pk},
    ),
    Row("notifications:mark_all_read", signed_in(REDIRECT), method="post"),
    Row("notifications:settings", signed_in(200)),
    Row(
        "notifications:unsubscribe",
        outcomes(default=200),  # a signed link works for anyone holding it, logged in or not
        kwargs=lambda world: {"token": world.unsubscribe_token},
    ),
    # --- Chat: members only, like the forum; your own messages only for edit and delete ---
    Row("chat:room", members_only(200), kwargs=group_slug),
    Row(
        "chat:message_link",
        members_only(REDIRECT),
        kwargs=lambda world: {"message_id": world.chat_message.pk},
    ),
    Row(
        "chat:message_edit",
        members_only(403, member=200),
        kwargs=lambda world: {"message_id": world.chat_message.pk},
    ),
    Row(
        "chat:message_delete",
        members_only(403, member=200),
        kwargs=lambda world: {"message_id": world.chat_message.pk},
    ),
    # --- Q&A sessions and the knowledge bank: members read; clinicians host and write ---
    Row("qa:sessions", members_only(200), kwargs=group_slug),
    Row("qa:session_new", members_only(403, clinician=200), kwargs=group_slug),
    Row("qa:session", members_only(200), kwargs=session_kwargs),
    # Posts answer with a redirect back to the session (a refusal is a message there).
    Row("qa:rsvp", members_only(REDIRECT), method="post", kwargs=session_kwargs),
    Row("qa:move", members_only(REDIRECT), method="post", kwargs=session_kwargs),
    Row("qa:vote", members_only(REDIRECT), method="post", kwargs=question_kwargs),
    Row("qa:host_action", members_only(REDIRECT), method="post", kwargs=question_kwargs),
    Row("qa:knowledge", members_only(200), kwargs=group_slug),
    Row("qa:knowledge_new", members_only(403, clinician=200), kwargs=group_slug),
    Row(
        "qa:knowledge_entry",
        members_only(200),
        kwargs=lambda world: {"slug": world.group.slug, "entry_id": world.knowledge_entry.pk},
    ),
    Row(
        "qa:knowledge_reviewed",
        members_only(REDIRECT),
        method="post",
        kwargs=lambda world: {"slug": world.group.slug, "entry_id": world.knowledge_entry.pk},
    ),
    # --- Clinician verification: members apply; staff review (every look recorded) ---
    Row("clinicians:apply", signed_in(200)),
    Row("clinicians:review_list", signed_in(404, staff=200)),
    Row(
        "clinicians:review",
        signed_in(404, staff=200),
        kwargs=lambda world: {"pk": world.application.pk},
    ),
    # --- Consent: the member's own decisions, public documents, staff drafting ---
    Row("consent:mine", signed_in(200)),
    Row("consent:accept", signed_in(200)),  # asks about the new optional document
    Row("consent:grant", signed_in(REDIRECT), method="post", kwargs=optional_kind),
    Row("consent:withdraw", signed_in(200), kwargs=optional_kind),
    Row("consent:document", outcomes(default=200), kwargs=optional_kind),
    Row(
        "consent:document_version",
        outcomes(default=200),
        kwargs=lambda world: {"kind": world.document.kind, "version": world.document.version},
    ),
    Row("consent:manage", signed_in(404, staff=200)),
    Row("consent:draft_new", signed_in(404, staff=200)),
    Row("consent:draft_detail", signed_in(404, staff=200), kwargs=draft_kwargs),
    Row("consent:draft_edit", signed_in(404, staff=200), kwargs=draft_kwargs),
    Row("consent:publish", signed_in(404, staff=REDIRECT), method="post", kwargs=draft_kwargs),
    # --- Privacy: the member's own data, nobody else's ---
    Row("privacy:exports", signed_in(200)),
    Row(
        "privacy:export_status",
        outcomes(logged_out=LOGIN, member=200, default=404),
        kwargs=lambda world: {"pk": world.export.pk},
    ),
    Row(
        # Its owner is first asked to confirm their password (REDIRECT to reauthenticate).
        "privacy:export_download",
        outcomes(logged_out=LOGIN, member=REDIRECT, default=404),
        kwargs=lambda world: {"pk": world.export.pk},
    ),
    Row("privacy:access_log", signed_in(200)),
    Row("privacy:close_account", signed_in(200)),
    Row("privacy:account_closed", outcomes(default=200)),
]


@dataclass
class World:
    group: object
    users: dict
    invitation: Invitation
    invitation_token: str
    thread: object = None
    post: object = None
    image: object = None
    notification: object = None
    unsubscribe_token: str = ""
    moderation_item: object = None
    document: object = None
    draft: object = None
    export: object = None
    chat_message: object = None
    application: object = None
    qa_session: object = None
    question: object = None
    knowledge_entry: object = None
    clinician_note: object = None


@pytest.fixture
def world(
    make_user, make_group, join, django_capture_on_commit_callbacks, mailoutbox, private_media
):
    group = make_group("Group under test")
    other_group = make_group("Another group")
    users = {
        "logged_out": None,
        "non_member": make_user(),
        "member": make_user(),
        "muted_member": make_user(),
        "moderator": make_user(mfa=True),
        "clinician": make_user(mfa=True, is_verified_clinician=True),
        "group_admin": make_user(mfa=True),
        "staff": make_user(mfa=True, is_staff=True),
        "superuser": make_user(mfa=True, is_staff=True, is_superuser=True),
        "moderator_no_mfa": make_user(),
    }
    join(users["non_member"], other_group)
    join(users["member"], group)
    join(users["muted_member"], group, state=Membership.State.MUTED)
    join(users["moderator"], group, role=Role.MODERATOR)
    join(users["clinician"], group, role=Role.CLINICIAN)
    join(users["group_admin"], group, role=Role.GROUP_ADMIN)
    join(users["moderator_no_mfa"], group, role=Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = create_invitation(
            inviter=users["group_admin"], group=group, email="invitee@example.test"
        )
    token = mailoutbox[-1].body.split("/invitations/")[1].split("/")[0]
    research_v1 = save_draft(author=users["staff"], **research_draft(), summary_of_changes="")
    thread = forum_services.create_thread(
        author=users["member"],
        group=group,
        title="A thread under test",
        body="Hello",
        anonymous=True,
        images=[clean_image(photo_upload())],
    )
    post = thread.posts.get()
    return World(
        group=group,
        users=users,
        invitation=invitation,
        invitation_token=token,
        thread=thread,
        post=post,
        image=post.images.get(),
        clinician_note=write_clinician_note(
            clinician=users["clinician"], post=post, stance="context", body="Ask your team."
        ),
        notification=Notification.objects.create(
            recipient=users["member"],
            kind="forum.reply",
            group=group,
            url=thread.get_absolute_url(),
        ),
        unsubscribe_token=unsubscribe_token(users["member"]),
        moderation_item=flag_content(
            reporter=users["muted_member"], kind="forum.post", object_id=post.pk, reason="spam"
        ).item,
        # An optional document: a required one would send every role to accept it first.
        document=publish_document(publisher=users["staff"], document=research_v1),
        draft=save_draft(author=users["staff"], **research_draft(), summary_of_changes="New"),
        export=ready_export(users["member"]),
        **qa_world(group, users),
        application=apply_for_verification(
            user=users["member"],
            profession="Nurse",
            registration_number="N-123",
            organisation="County hospital",
        ),
        chat_message=send_message(
            author=users["member"],
            room=ChatRoom.objects.create(group=group),
            text="Hello, room",
            client_id="first",
        )[0],
    )


def qa_world(group, users) -> dict:
    """A session open for questions, hosted by the clinician, with one member's question."""
    session = qa_services.create_session(
        host=users["clinician"],
        group=group,
        title="Ask the nurse",
        description="",
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=1),
    )
    session = qa_services.move_session(host=users["clinician"], session=session, action="open")
    question = qa_services.ask(author=users["member"], session=session, text="How do I travel?")
    entry = add_entry(
        author=users["clinician"], group=group, title="Travelling", body="Plan ahead."
    )
    return {"qa_session": session, "question": question, "knowledge_entry": entry}


def research_draft() -> dict:
    return {
        "kind": Kind.RESEARCH,
        "language": "en",
        "title": "Research use",
        "body": "Researchers may read de-identified posts.",
        "effective_at": timezone.now(),
    }


def ready_export(user) -> DataExport:
    export = DataExport.objects.create(
        user=user,
        status=DataExport.Status.READY,
        progress=100,
        finished_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=7),
    )
    export.file.save("export.zip", ContentFile(b"PK"), save=True)
    return export


def outcome_of(response) -> object:
    if response.status_code in (301, 302, 303):
        path = urlparse(response["Location"]).path
        if path.startswith((reverse("account_login"), reverse("admin_login_redirect"))):
            return LOGIN
        if path.startswith(reverse("mfa_activate_totp")):
            return MFA
        return REDIRECT
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ACCESS_TABLE, ids=lambda row: row.name)
def test_each_url_gives_each_role_the_declared_outcome(client, world, row, role):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    if row.setup:
        row.setup(client, world)
    kwargs = row.kwargs(world) if row.kwargs else {}
    url = reverse(row.name, kwargs=kwargs)
    response = getattr(client, row.method)(url, row.data)
    assert outcome_of(response) == row.expected[role], (
        f"{row.method.upper()} {url} as {role}: got {outcome_of(response)}, "
        f"expected {row.expected[role]}"
    )


def named_urls(resolver=None, namespace=None):
    """Yield (name, pattern) for every URL pattern the project routes."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from named_urls(pattern, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, str(pattern.pattern)


def is_covered(name: str | None, namespace_name: str | None) -> bool:
    rows = {row.name for row in ACCESS_TABLE}
    if namespace_name and namespace_name.split(":")[0] in NAMESPACES_COVERED_BY_ONE_ROW:
        return NAMESPACES_COVERED_BY_ONE_ROW[namespace_name.split(":")[0]] in rows
    return name in rows


def test_every_url_has_a_row_in_the_access_table():
    missing = []
    for name, pattern in named_urls():
        namespace = name if name and ":" in name else None
        if name is None and pattern.startswith("admin/"):
            namespace = "admin:"
        if not is_covered(name, namespace):
            missing.append(f"{name or '(unnamed)'} -> {pattern}")
    assert not missing, "URLs without a row in the access table:\n" + "\n".join(missing)


def test_every_row_names_a_url_that_exists():
    names = {name for name, _pattern in named_urls()}
    assert {row.name for row in ACCESS_TABLE} <= names
