"""Two vote requests of one member for one question at the same moment: the database's
unique key decides, so exactly one vote is stored and counted, and the other request gets the
same clear error as a second click.

The two requests run in threads with their own database connections, so these tests commit.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from community.qa import services
from community.qa.models import Question, Vote
from tests.qa.conftest import fresh

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(count: int, action) -> list:
    """Run `action` in `count` threads released together; return what each returned or
    raised."""
    start = threading.Barrier(count)
    outcomes: list = []

    def run():
        try:
            prepared = action()  # loads fresh objects in this thread's connection
            start.wait(timeout=10)
            outcomes.append(prepared())
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_two_simultaneous_votes_of_one_member_store_one_vote_and_count_one(
    open_session, member, peer
):
    question = services.ask(author=member, session=open_session, text="Sauna and sensors?")

    def prepare():
        voter = fresh(peer)
        loaded = Question.objects.select_related("session__group").get(pk=question.pk)
        return lambda: services.vote(user=voter, question=loaded)

    outcomes = at_once(2, prepare)

    refusals = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    successes = [outcome for outcome in outcomes if isinstance(outcome, Question)]
    assert len(successes) == 1, outcomes
    assert [refusal.code for refusal in refusals] == ["voted"], outcomes
    assert Vote.objects.filter(question=question, user=peer).count() == 1
    assert Question.objects.get(pk=question.pk).vote_count == 1


def test_a_vote_refused_by_the_unique_key_leaves_the_surrounding_transaction_usable(
    open_session, member, peer
):
    first = services.ask(author=member, session=open_session, text="First?")
    second = services.ask(author=member, session=open_session, text="Second?")

    # One request, one transaction: the refused insert must not poison what follows.
    with transaction.atomic():
        services.vote(user=fresh(peer), question=first)
        with pytest.raises(ValidationError) as refused:
            services.vote(user=fresh(peer), question=first)
        services.vote(user=fresh(peer), question=second)

    assert refused.value.code == "voted"
    counts = Question.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")
    assert list(counts.values_list("vote_count", flat=True)) == [1, 1]
    assert Vote.objects.filter(user=peer).count() == 2
