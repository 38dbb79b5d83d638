"""Questions in the moderation registry: flagged like any content, and a moderator's hide,
removal or redaction shows on the session page at once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community.moderation import services as moderation
from community.moderation.models import ModerationAction, ModerationItem, Reason
from community.qa import services
from community.qa.models import Question

KIND = "qa.question"
TEXT = "Has anyone tried the miracle cure from that clinic abroad?"
Action = ModerationAction.Action


@pytest.fixture
def question(open_session, member):
    return services.ask(author=member, session=open_session, text=TEXT)


@pytest.fixture
def item(question, peer) -> ModerationItem:
    moderation.flag_content(
        reporter=peer, kind=KIND, object_id=question.pk, reason=Reason.MISINFORMATION
    )
    return ModerationItem.objects.get(kind=KIND, object_id=question.pk)


def session_page(client, user, session, **headers) -> str:
    client.force_login(user)
    response = client.get(session.get_absolute_url(), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def test_a_flagged_question_becomes_an_item_of_its_group_with_its_author(item, question, group):
    assert item.group == group
    assert item.author_id == question.author_id
    assert item.flag_count == 1


def test_flagging_from_the_session_page_link_reaches_the_queue(client, question, peer):
    client.force_login(peer)
    url = reverse("moderation:flag", kwargs={"kind": KIND, "object_id": question.pk})

    response = client.post(url, {"reason": Reason.UNSAFE})

    assert response.status_code == 302
    assert response["Location"].endswith(f"#question-{question.pk}")
    assert ModerationItem.objects.get(kind=KIND, object_id=question.pk).flag_count == 1


def test_the_author_cannot_flag_their_own_question(question, member):
    with pytest.raises(ValidationError) as refused:
        moderation.flag_content(reporter=member, kind=KIND, object_id=question.pk, reason="spam")

    assert refused.value.code == "own_content"


def test_a_moderator_hides_a_question_and_it_disappears_from_the_page(
    client, item, question, moderator, peer, member, open_session
):
    assert TEXT in session_page(client, peer, open_session)

    moderation.act(moderator=moderator, item=item, action=Action.HIDE)

    question.refresh_from_db()
    assert question.hidden_at is not None
    for viewer in (peer, member):
        html = session_page(client, viewer, open_session)
        assert TEXT not in html
        assert f'id="question-{question.pk}"' not in html
    fragment = session_page(client, peer, open_session, **{"HX-Request": "true"})
    assert f'id="question-{question.pk}"' not in fragment


def test_keeping_a_hidden_question_brings_it_back(client, item, question, moderator, peer):
    moderation.act(moderator=moderator, item=item, action=Action.HIDE)
    item.refresh_from_db()

    moderation.act(moderator=moderator, item=item, action=Action.KEEP)

    question.refresh_from_db()
    assert question.hidden_at is None
    assert TEXT in session_page(client, peer, question.session)


def test_removing_a_question_hides_and_dismisses_it_with_the_reason(item, question, moderator):
    moderation.act(moderator=moderator, item=item, action=Action.REMOVE, reason="Unsafe advice.")

    question.refresh_from_db()
    assert question.hidden_at is not None
    assert question.state == Question.State.DISMISSED
    assert question.dismissed_reason == "Unsafe advice."


def test_a_redacted_question_shows_the_new_text(client, item, question, moderator, peer):
    moderation.act(
        moderator=moderator,
        item=item,
        action=Action.REDACT,
        new_text="Has anyone tried a cure from a clinic abroad?",
        reason="Names a clinic.",
    )

    question.refresh_from_db()
    assert question.body_source == "Has anyone tried a cure from a clinic abroad?"
    assert question.body_text == "Has anyone tried a cure from a clinic abroad?"
    html = session_page(client, peer, question.session)
    assert "a cure from a clinic abroad" in html
    assert "miracle cure" not in html


def test_a_member_cannot_act_on_a_flagged_question(item, peer):
    with pytest.raises(PermissionDenied):
        moderation.act(moderator=peer, item=item, action=Action.HIDE)

    assert Question.objects.get(pk=item.object_id).hidden_at is None
