"""A member's copy of their data: every kind of record they own, and nobody else's."""

import json
import logging
from datetime import timedelta

import pytest

from community.consent.models import Kind
from community.forum import services as forum
from community.forum.images import clean_image
from community.forum.models import PostImage
from community.moderation import services as moderation
from community.moderation.models import ModerationItem
from community.notifications.kinds import find_kind
from community.notifications.models import Notification
from community.privacy import exports
from community.privacy.exports import ExportSection
from community.privacy.models import DataExport
from community.privacy.services import request_data_export
from community.privacy.tasks import build_data_export
from tests.forum.photos import photo_upload
from tests.privacy.helpers import built, zip_members

EXPORT_READY = "privacy.export_ready"

# What only the peer wrote or is: none of it may reach the member's copy.
PEER_THREAD_TITLE = "Rhubarb garden and my knees"
PEER_POST = "Petra writes privately about rhubarb"
PEER_REPLY = "Petra answers about quinoa"
PEER_FLAG_NOTE = "Petra thinks this is an advert"
PEER_FOLLOWED_TITLE = "Petra asks about swimming"


def label(kind: str) -> str:
    return str(find_kind(kind).label)


@pytest.fixture
def history(member, peer, moderator, group, private_media, publish_document, accept):
    """A member with every kind of record, beside a peer who wrote and reacted too."""
    own = forum.create_thread(
        author=member,
        group=group,
        title="Nights with the pump",
        body="I sleep badly with the pump",
        images=[clean_image(photo_upload())],
    )
    first = own.posts.get()
    forum.edit_post(editor=member, post=first, body="I sleep badly with the new pump")

    peers_thread = forum.create_thread(
        author=peer,
        group=group,
        title=PEER_THREAD_TITLE,
        body=PEER_POST,
        images=[clean_image(photo_upload("peer.jpg", size=(30, 30)))],
    )
    member_reply = forum.reply(author=member, thread=peers_thread, body="Walking helps my sleep")
    forum.reply(author=peer, thread=own, body=PEER_REPLY)  # the member is told of it
    forum.toggle_reaction(user=member, post=peers_thread.posts.get(number=1), kind="support")
    forum.toggle_reaction(user=peer, post=first, kind="thanks")

    followed = forum.create_thread(
        author=peer, group=group, title=PEER_FOLLOWED_TITLE, body="Is the pool safe?"
    )
    forum.set_following(user=member, thread=followed, follow=True)

    # A concern the member raised, and a moderator's decision about the member's reply.
    moderation.flag_content(
        reporter=member,
        kind="forum.post",
        object_id=followed.posts.get().pk,
        reason="spam",
        note="Looks like an advert to me",
    )
    moderation.flag_content(
        reporter=peer,
        kind="forum.post",
        object_id=member_reply.pk,
        reason="other",
        note=PEER_FLAG_NOTE,
    )
    item = ModerationItem.objects.get(kind="forum.post", object_id=member_reply.pk)
    moderation.act(moderator=moderator, item=item, action="warn", reason="Mind the guidelines")

    publish_document(Kind.GUIDELINES)
    accept(member)
    accept(peer)
    return {
        "own": own,
        "first": first,
        "reply": member_reply,
        "peers_thread": peers_thread,
        "followed": followed,
    }


@pytest.fixture
def export(member, history):
    return built(request_data_export(user=member))


@pytest.fixture
def files(export):
    with export.file.open("rb") as handle:
        raw = handle.read()
    return raw, zip_members(raw)


@pytest.fixture
def data(files):
    return json.loads(files[1]["data.json"])


# --- Building ------------------------------------------------------------------------------


def test_a_request_is_queued_and_the_task_builds_a_ready_zip(member, history, private_media):
    export = request_data_export(user=member)
    assert export.status == DataExport.Status.QUEUED
    assert not export.file

    assert build_data_export(export_id=export.pk) is True

    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert export.progress == 100
    assert export.started_at is not None
    assert export.finished_at is not None
    assert export.expires_at == export.finished_at + timedelta(days=7)
    assert export.file.name.startswith("exports/")
    assert (private_media / export.file.name).is_file()


def test_the_zip_holds_data_json_an_index_page_and_the_members_photos(files, history):
    _raw, members = files
    photo = PostImage.objects.get(post=history["first"])

    assert {"data.json", "index.html"} <= set(members)
    assert set(members) - {"data.json", "index.html"} == {
        f"files/post-{history['first'].pk}-photo-{photo.pk}.jpg"
    }
    with photo.file.open("rb") as handle:
        assert members[f"files/post-{history['first'].pk}-photo-{photo.pk}.jpg"] == handle.read()
    assert members["index.html"].startswith(b"<!DOCTYPE html>")


def test_the_data_holds_the_profile_and_the_groups(data, member, group):
    assert data["profile"] == [
        {
            "email": member.email,
            "display_name": member.display_name,
            "language": "en",
            "time_zone": member.time_zone,
            "joined": member.date_joined.isoformat(),
            "last_login": None,
        }
    ]
    assert [row["group"] for row in data["groups.memberships"]] == [group.name]
    assert data["groups.memberships"][0]["role"] == "Member"


def test_the_data_holds_the_members_threads_posts_and_earlier_versions(data, history):
    assert [row["title"] for row in data["forum.threads"]] == ["Nights with the pump"]
    assert [row["text"] for row in data["forum.posts"]] == [
        "I sleep badly with the new pump",
        "Walking helps my sleep",
    ]
    assert [row["text"] for row in data["forum.revisions"]] == [
        "I sleep badly with the pump",
        "I sleep badly with the new pump",
        "Walking helps my sleep",
    ]


def test_the_data_holds_the_members_reactions_and_follows(data, history):
    peers_first = history["peers_thread"].posts.get(number=1)

    assert data["forum.reactions"] == [
        {
            "post": f"{history['peers_thread'].get_absolute_url()}#post-1",
            "reaction": "Support",
            "when": data["forum.reactions"][0]["when"],
        }
    ]
    assert peers_first.reactions.count() == 1
    followed = {row["thread"] for row in data["forum.follows"]}
    assert followed == {
        history["own"].get_absolute_url(),
        history["peers_thread"].get_absolute_url(),  # followed by replying
        history["followed"].get_absolute_url(),
    }


def test_the_data_holds_moderators_decisions_and_the_members_own_flags(data):
    [decision] = data["moderation.decisions"]
    assert decision["action"] == "Warned the member"
    assert decision["reason"] == "Mind the guidelines"
    assert decision["your_text_before"] == "Walking helps my sleep"

    [flag] = data["moderation.flags"]
    assert flag["note"] == "Looks like an advert to me"
    assert flag["about"] == "forum.post"


def test_the_data_holds_the_members_appeals(member, peer, moderator, group, private_media):
    post = forum.create_thread(
        author=member, group=group, title="About my neighbour", body="Names a neighbour"
    ).posts.get()
    moderation.flag_content(reporter=peer, kind="forum.post", object_id=post.pk, reason="other")
    item = ModerationItem.objects.get(kind="forum.post", object_id=post.pk)
    moderation.act(moderator=moderator, item=item, action="remove", reason="A third party")
    moderation.appeal(author=member, item=item, message="She agreed to be mentioned")

    export = built(request_data_export(user=member))

    with export.file.open("rb") as handle:
        data = json.loads(zip_members(handle.read())["data.json"])
    assert [row["appeal"] for row in data["moderation.appeals"]] == ["She agreed to be mentioned"]
    assert [row["group"] for row in data["moderation.appeals"]] == [group.name]
    assert data["forum.posts"][0]["moderators_note"] == "A third party"


def test_the_data_holds_the_consent_history_and_notifications(data):
    assert [(row["document"], row["version"], row["decision"]) for row in data["consent"]] == [
        ("Community guidelines", 1, "Granted")
    ]
    kinds = {row["kind"] for row in data["notifications"]}
    assert label("forum.reply") in kinds
    assert label("moderation.outcome") in kinds


def test_the_readable_copy_shows_the_same_records(files, history):
    page = files[1]["index.html"].decode()

    assert "Nights with the pump" in page
    assert "I sleep badly with the new pump" in page
    assert "Looks like an advert to me" in page
    assert "Mind the guidelines" in page
    assert "Community guidelines" in page


def test_nothing_another_member_wrote_or_is_reaches_the_zip(files, peer, moderator):
    raw, members = files
    secrets = [
        peer.email,
        peer.display_name,
        moderator.display_name,  # who decided is not the member's data
        moderator.email,
        PEER_THREAD_TITLE,
        PEER_POST,
        PEER_REPLY,
        PEER_FLAG_NOTE,
        PEER_FOLLOWED_TITLE,
    ]
    for name, content in [("the zip itself", raw), *members.items()]:
        for secret in secrets:
            assert secret.encode() not in content, f"{secret!r} is in {name}"


def test_the_peers_photo_is_not_in_the_members_zip(files, history):
    peers_photo = PostImage.objects.get(post__thread=history["peers_thread"])
    with peers_photo.file.open("rb") as handle:
        peers_bytes = handle.read()

    assert all(content != peers_bytes for content in files[1].values())
    assert not any(str(peers_photo.post_id) in name for name in files[1] if "files/" in name)


def test_the_member_is_notified_once_when_the_copy_is_ready(export, member):
    notice = Notification.objects.get(recipient=member, kind=EXPORT_READY)
    assert notice.url == "/privacy/exports/"
    assert notice.group is None


# --- Requests and runs that must not duplicate work -------------------------------------


def test_a_second_request_while_one_is_queued_returns_the_same_export(member):
    first = request_data_export(user=member)
    second = request_data_export(user=member)

    assert second.pk == first.pk
    assert DataExport.objects.filter(user=member).count() == 1


def test_a_second_request_while_one_is_being_built_returns_that_one(member):
    first = request_data_export(user=member)
    DataExport.objects.filter(pk=first.pk).update(status=DataExport.Status.BUILDING)

    assert request_data_export(user=member).pk == first.pk


def test_a_request_after_a_ready_one_starts_a_new_export(member, private_media):
    first = built(request_data_export(user=member))

    second = request_data_export(user=member)

    assert first.status == DataExport.Status.READY
    assert second.pk != first.pk
    assert second.status == DataExport.Status.QUEUED


def test_another_members_request_is_their_own(member, peer):
    assert request_data_export(user=member).pk != request_data_export(user=peer).pk


def test_running_the_task_twice_builds_once(member, private_media):
    export = built(request_data_export(user=member))
    name, finished = export.file.name, export.finished_at

    assert build_data_export(export_id=export.pk) is False

    export.refresh_from_db()
    assert (export.file.name, export.finished_at) == (name, finished)
    assert Notification.objects.filter(recipient=member, kind=EXPORT_READY).count() == 1
    assert [path.name for path in (private_media / "exports").iterdir()] == [
        name.removeprefix("exports/")
    ]


def test_a_task_for_an_export_that_no_longer_exists_does_nothing(member):
    export = request_data_export(user=member)
    DataExport.objects.filter(pk=export.pk).delete()

    assert build_data_export(export_id=export.pk) is False


def test_progress_is_reported_as_the_sections_are_collected(member, monkeypatch, private_media):
    export = request_data_export(user=member)
    seen = []
    real_build_zip = exports.build_zip

    def watching_build_zip(user, on_progress):
        def record(percent):
            on_progress(percent)
            seen.append(DataExport.objects.get(pk=export.pk).progress)

        return real_build_zip(user, record)

    monkeypatch.setattr("community.privacy.tasks.build_zip", watching_build_zip)
    built(export)

    assert seen == sorted(seen)
    assert seen[0] > 0 and seen[-1] == 90
    assert export.progress == 100


# --- Failure ------------------------------------------------------------------------------


def test_a_failed_build_is_marked_failed_and_logs_no_content(
    member, history, monkeypatch, caplog, private_media
):
    secret = "I sleep badly with the new pump"

    def broken(user):
        raise ValueError(f"could not read {secret} of {user.email}")

    monkeypatch.setitem(
        exports._sections, "forum.posts", ExportSection("forum.posts", "Your posts", broken)
    )
    export = request_data_export(user=member)

    with caplog.at_level(logging.DEBUG):
        assert build_data_export(export_id=export.pk) is False

    export.refresh_from_db()
    assert export.status == DataExport.Status.FAILED
    assert export.finished_at is not None
    assert not export.file
    assert not (private_media / "exports").exists()
    assert not Notification.objects.filter(recipient=member, kind=EXPORT_READY).exists()
    assert f"Data export {export.pk} failed: ValueError" in caplog.text
    assert secret not in caplog.text
    assert member.email not in caplog.text


def test_after_a_failure_the_member_can_ask_again(member, monkeypatch):
    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setitem(exports._sections, "profile", ExportSection("profile", "Profile", broken))
    failed = built(request_data_export(user=member))

    again = request_data_export(user=member)

    assert failed.status == DataExport.Status.FAILED
    assert again.pk != failed.pk
    assert again.status == DataExport.Status.QUEUED
