"""Q&A sessions and the knowledge bank. Views resolve access through the policy and call
services; the session page's question list is also served alone, for live updates."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from community.safety.services import landing, offer_support
from community.submissions.web import once

from . import knowledge, services
from .forms import AnswerForm, KnowledgeForm, QuestionForm, SessionForm
from .models import RSVP, KnowledgeEntry, QASession, Question
from .policy import access_knowledge_group, access_question, access_session

State = QASession.State


def answer_notice() -> str:
    return settings.QA_ANSWER_NOTICE or _(
        "General information from a clinician, not personal medical advice. For decisions "
        "about your own treatment, talk to your care team."
    )


@login_required
@require_safe
def session_list(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_knowledge_group(request.user, slug)
    sessions = (
        QASession.objects.filter(group=group).select_related("group").prefetch_related("hosts")
    )
    upcoming = sessions.exclude(state__in=[State.ENDED, State.ARCHIVED])
    archive = sessions.filter(state__in=[State.ENDED, State.ARCHIVED]).order_by("-starts_at")
    return render(
        request,
        "qa/session_list.html",
        {
            "group": group,
            "upcoming": upcoming,
            "archive": archive,
            "may_create": request.user.has_perm("qa.create_session", group),
        },
    )


@login_required
def session_new(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_knowledge_group(request.user, slug)
    if not request.user.has_perm("qa.create_session", group):
        raise PermissionDenied
    form = SessionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            session = once(
                request,
                lambda: services.create_session(
                    host=request.user, group=group, **form.cleaned_data
                ),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The session is scheduled."))
            return redirect(session)
    status = 400 if form.errors else 200
    return render(request, "qa/session_form.html", {"group": group, "form": form}, status=status)


def questions_context(request: HttpRequest, session: QASession) -> dict:
    questions = (
        session.questions.select_related("author", "answer", "answer__author", "merged_into")
        .filter(hidden_at__isnull=True)
        .order_by("-vote_count", "created_at")
    )
    voted = set(session.questions.filter(votes__user=request.user).values_list("pk", flat=True))
    is_host = request.user.has_perm("qa.host", session)
    return {
        "session": session,
        "group": session.group,
        "questions": questions,
        "voted": voted,
        "is_host": is_host,
        "may_moderate": request.user.has_perm("qa.moderate", session),
        # The host's view: they answer, so coming, voting and asking are not offered.
        "may_take_part": not is_host and request.user.has_perm("qa.take_part", session),
        "answer_notice": answer_notice(),
        "answer_form": AnswerForm(),
    }


@login_required
def session_detail(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    """The session: questions by votes, the form to ask, the host's controls."""
    session = access_session(request.user, slug, session_id)
    form = QuestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            question = once(
                request,
                lambda: services.ask(
                    author=request.user,
                    session=session,
                    text=form.cleaned_data["text"],
                    anonymous=form.cleaned_data["anonymous"],
                    personal_data=form.cleaned_data["personal_data"],
                ),
            )
        except PermissionDenied:
            form.add_error(None, _("You cannot ask questions here right now."))
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(request, _("Your question has been sent."))
            if question is not None and question.crisis:
                offer_support(request)
            return redirect(landing(request, session.get_absolute_url()))
    context = questions_context(request, session)
    if request.htmx:
        response = render(request, "qa/_questions.html", context)
        response["X-QA-Fragment"] = "1"  # qa.js inserts nothing else (login pages, redirects)
        return response
    context.update(
        form=form,
        has_rsvp=RSVP.objects.filter(session=session, user=request.user).exists(),
        rsvp_count=session.rsvps.count(),
    )
    status = 400 if form.errors else 200
    return render(request, "qa/session_detail.html", context, status=status)


def refused(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, PermissionDenied):
        messages.error(request, _("You cannot do that here right now."))
    else:
        messages.error(request, " ".join(error.messages))


@login_required
@require_POST
def rsvp(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    session = access_session(request.user, slug, session_id)
    try:
        # A double click is one click: toggling twice would undo the sign-up.
        once(request, lambda: services.toggle_rsvp(user=request.user, session=session))
        coming = RSVP.objects.filter(session=session, user=request.user).exists()
    except (PermissionDenied, ValidationError) as error:
        refused(request, error)
    else:
        messages.success(
            request,
            _("You will be reminded a day and an hour before.")
            if coming
            else _("You are no longer signed up."),
        )
    return redirect(session)


@login_required
@require_POST
def move(request: HttpRequest, slug: str, session_id: int) -> HttpResponse:
    session = access_session(request.user, slug, session_id)
    try:
        services.move_session(
            host=request.user, session=session, action=request.POST.get("action", "")
        )
    except (PermissionDenied, ValidationError) as error:
        refused(request, error)
    return redirect(session)


@login_required
@require_POST
def vote(request: HttpRequest, slug: str, session_id: int, question_id: int) -> HttpResponse:
    session = access_session(request.user, slug, session_id)
    question = access_question(request.user, session, question_id)
    try:
        once(request, lambda: services.vote(user=request.user, question=question))
    except (PermissionDenied, ValidationError) as error:
        refused(request, error)
    return redirect(f"{session.get_absolute_url()}#question-{question.pk}")


@login_required
@require_POST
def host_action(request: HttpRequest, slug: str, session_id: int, question_id: int) -> HttpResponse:
    """A host's decision on a question: now answering, answer, merge, or dismiss."""
    session = access_session(request.user, slug, session_id)
    question = access_question(request.user, session, question_id)
    action = request.POST.get("action", "")
    try:
        if action == "answering":
            services.mark_answering(host=request.user, question=question)
        elif action == "answer":
            text = request.POST.get("text", "")
            once(request, lambda: services.answer(host=request.user, question=question, text=text))
        elif action == "merge":
            into_id = request.POST.get("into", "")
            into = access_question(request.user, session, int(into_id) if into_id.isdigit() else 0)
            services.merge(host=request.user, question=question, into=into)
        elif action == "dismiss":
            services.dismiss(
                host=request.user, question=question, reason=request.POST.get("reason", "")
            )
        else:
            raise ValidationError(_("Unknown action."))
    except Http404:
        messages.error(request, _("Choose another question of this session."))
    except (PermissionDenied, ValidationError) as error:
        refused(request, error)
    return redirect(f"{session.get_absolute_url()}#question-{question.pk}")


@login_required
@require_safe
def knowledge_list(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_knowledge_group(request.user, slug)
    entries = KnowledgeEntry.objects.filter(group=group)
    return render(
        request,
        "qa/knowledge_list.html",
        {
            "group": group,
            "entries": entries,
            "may_write": request.user.has_perm("qa.write_knowledge", group),
        },
    )


@login_required
@require_safe
def knowledge_entry(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    group = access_knowledge_group(request.user, slug)
    entry = get_object_or_404(
        KnowledgeEntry.objects.select_related("author", "source_question"), pk=entry_id, group=group
    )
    # A quote shows only while its author still consents (e.g. not after a new version).
    show_quote = (
        bool(entry.quoted_question)
        and entry.source_question is not None
        and knowledge.may_quote(entry.source_question)
    )
    return render(
        request,
        "qa/knowledge_entry.html",
        {
            "group": group,
            "entry": entry,
            "show_quote": show_quote,
            "may_write": request.user.has_perm("qa.write_knowledge", group),
        },
    )


@login_required
def knowledge_new(request: HttpRequest, slug: str) -> HttpResponse:
    """A clinician's resource page, or an answered question added to the knowledge bank."""
    group = access_knowledge_group(request.user, slug)
    if not request.user.has_perm("qa.write_knowledge", group):
        raise PermissionDenied
    question = None
    question_id = request.GET.get("question") or request.POST.get("question")
    if question_id and str(question_id).isdigit():
        question = (
            Question.objects.filter(
                pk=question_id, session__group=group, state=Question.State.ANSWERED
            )
            .select_related("answer", "session")
            .first()
        )
    initial = {}
    if question is not None:
        # The title is the clinician's to write: the member's words go in only as a quote,
        # and only with their consent.
        initial = {"body": question.answer.body_source}
    form = KnowledgeForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = once(
                request,
                lambda: knowledge.add_entry(
                    author=request.user, group=group, question=question, **form.cleaned_data
                ),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Added to the knowledge bank."))
            return redirect("qa:knowledge_entry", slug=group.slug, entry_id=entry.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "qa/knowledge_form.html",
        {
            "group": group,
            "form": form,
            "question": question,
            "may_quote": question is not None and knowledge.may_quote(question),
        },
        status=status,
    )


@login_required
@require_POST
def knowledge_reviewed(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    """A clinician confirms the resource is still right: "last reviewed" becomes today."""
    group = access_knowledge_group(request.user, slug)
    entry = get_object_or_404(KnowledgeEntry, pk=entry_id, group=group)
    try:
        knowledge.mark_reviewed(author=request.user, entry=entry)
    except PermissionDenied as error:
        refused(request, error)
    else:
        messages.success(request, _("Marked as reviewed today."))
    return redirect("qa:knowledge_entry", slug=group.slug, entry_id=entry.pk)
