"""Flagging, the review queue and the action log. Views resolve access, then call services."""

import statistics
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from community.accounts.mfa import require_mfa
from community.submissions.web import earlier_result, once

from . import services
from .cards import cards_for, excerpt_of
from .forms import ActionForm, AppealForm, FlagForm, SupportMessageForm
from .models import ModerationAction, ModerationItem, Reason, SupportMessage
from .offers import as_choices, clinician_in_lane, offered_decisions
from .policy import access_item, access_queue_group, access_review_group
from .registry import get_kind, item_notes
from .support import mark_read, send_support_message

PER_PAGE = 25
Action = ModerationAction.Action


@login_required
def flag(request: HttpRequest, kind: str, object_id: int) -> HttpResponse:
    """Raise a concern in two clicks: choose a reason, send."""
    moderated = get_kind(kind)
    content = moderated.get(object_id) if moderated else None
    if content is None or not request.user.has_perm("moderation.flag", moderated.group_of(content)):
        raise Http404
    # "Ask a clinician to check" links here with the reason chosen.
    initial = {"reason": request.GET.get("reason")} if request.GET.get("reason") else {}
    form = FlagForm(
        request.POST or None,
        initial=initial,
        takes_clinician_notes=moderated.takes_clinician_notes(content),
    )
    if request.method == "POST" and form.is_valid():
        try:
            once(
                request,
                lambda: services.flag_content(
                    reporter=request.user, kind=kind, object_id=object_id, **form.cleaned_data
                ),
            )
        except ValidationError as error:
            messages.info(request, " ".join(error.messages))
        else:
            messages.success(request, thanks_for(form.cleaned_data["reason"]))
        return redirect(moderated.url_of(content))
    return render(
        request,
        "moderation/flag.html",
        {
            "form": form,
            "kind": moderated,
            # Which words the concern is about: an excerpt as plain text, behind the
            # author's content warning if there is one.
            "excerpt": excerpt_of(moderated.html_of(content)),
            "warning": moderated.warning(content),
            "back": moderated.url_of(content),
            "asks_clinician": initial.get("reason") == Reason.HEALTH_CLAIM
            and moderated.takes_clinician_notes(content),
        },
        status=400 if form.errors else 200,
    )


def thanks_for(reason: str) -> str:
    if reason == Reason.HEALTH_CLAIM:
        return _("Thank you. The group's clinicians will look at it; the author is not told who.")
    return _("Thank you. Moderators will look at it soon; the author is not told who.")


CLINICIANS_LANE = "clinicians"


@login_required
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_queue_group(request.user, slug)
    require_mfa(request.user)
    state = request.GET.get("state", ModerationItem.State.OPEN)
    reason = request.GET.get("reason", "")
    lane = request.GET.get("lane", "")
    items = ModerationItem.objects.filter(group=group)
    if lane == CLINICIANS_LANE:
        # Health claims and escalations waiting for a clinician's word, whatever else.
        items = items.for_clinicians()
    else:
        lane = ""
        items = items.filter(state=state).in_queue_order()
    if reason in Reason.values:
        items = items.filter(flags__reason=reason).distinct()
    items = items.select_related("claimed_by", "author").prefetch_related("flags")
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    can_open_items = request.user.has_perm("moderation.review", group)
    # Excerpts and authors for reviewers only: staff oversee counts, reasons and times.
    cards = cards_for(list(page.object_list), with_content=can_open_items)
    return render(
        request,
        "moderation/queue.html",
        {
            "group": group,
            "page": page,
            "cards": cards,
            "state": state,
            "reason": reason,
            "lane": lane,
            # The pages keep the filters.
            "page_query": urlencode(
                {
                    key: value
                    for key, value in (("state", state), ("reason", reason), ("lane", lane))
                    if value
                }
            ),
            "clinicians_waiting": ModerationItem.objects.filter(group=group)
            .for_clinicians()
            .count(),
            "states": ModerationItem.State.choices,
            "reasons": Reason.choices,
            # Staff see the queue but not the content: no links into items for them, but for
            # appeals that wait for a decision (theirs, where nobody else can decide).
            "can_open_items": can_open_items,
            "appeals_to_open": set() if can_open_items else pending_appeals(page.object_list),
        },
    )


def pending_appeals(items) -> set[int]:
    """Which of these items have an appeal that waits for a decision (in one query)."""
    appealed = [item.pk for item in items if item.appealed_at is not None]
    decided = ModerationAction.objects.filter(
        item_id__in=appealed, action__in=ModerationAction.APPEAL_VERDICTS
    ).values_list("item_id", flat=True)
    return set(appealed) - set(decided)


@login_required
def review_content(request: HttpRequest, kind: str, object_id: int) -> HttpResponse:
    """Reviewers act on something they see without waiting for a flag: confirm, then the
    item page with its decisions."""
    moderated = get_kind(kind)
    content = moderated.get(object_id) if moderated else None
    if content is None or not request.user.has_perm(
        "moderation.review", moderated.group_of(content)
    ):
        raise Http404
    require_mfa(request.user)
    if request.method == "POST":
        item = services.open_for_review(moderator=request.user, kind=kind, object_id=object_id)
        return redirect("moderation:item", slug=item.group.slug, item_id=item.pk)
    return render(
        request,
        "moderation/review_content.html",
        {
            "group": moderated.group_of(content),
            "kind": moderated,
            "content_html": moderated.html_of(content),
            "back": moderated.url_of(content),
        },
    )


@login_required
def item_detail(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    item = access_item(request.user, slug, item_id)
    require_mfa(request.user)
    return item_page(request, item)


def item_page(
    request: HttpRequest, item: ModerationItem, form=None, message_form=None
) -> HttpResponse:
    """The item with its content in context, its author and their recent history, the
    flags, what has been done, and only the decisions that fit (kept on errors)."""
    moderated = get_kind(item.kind)
    content = moderated.get(item.object_id) if moderated else None
    if form is None:
        # The redaction box starts with the text, so only the problem needs deleting.
        form = decision_form(
            request.user,
            item,
            moderated,
            content,
            initial={"new_text": moderated.text_of(content) if content else ""},
        )
    reviews_group = request.user.has_perm("moderation.review", item.group)
    author = moderated.author_of(content) if content else item.author
    # Staff here for an appeal decide the appeal; the member's history is not theirs to see.
    anonymous = bool(content) and moderated.is_anonymous(content)
    # Nor is an anonymous author's (the forum's reveal, audited on its own, names them).
    history = (
        services.look_at_history(viewer=request.user, item=item, author=author)
        if reviews_group and author is not None and not anonymous
        else None
    )
    in_lane = clinician_in_lane(request.user, item)
    offered = {choice for choice, _label in form.fields["action"].choices}
    may_message = request.user.has_perm("moderation.message_author", item)
    return render(
        request,
        "moderation/item.html",
        {
            "group": item.group,
            "item": item,
            "kind": moderated,
            "content": content,
            "content_html": moderated.html_of(content) if content else "",
            "content_url": moderated.url_of(content) if content else "",
            "content_warning": moderated.warning(content) if content else "",
            "context": moderated.context(content) if content and reviews_group else [],
            "author": author,
            "author_anonymous": anonymous,
            "history": history,
            "flags": item.flags.select_related("reporter"),
            "notes": item_notes(item.kind, item.object_id),
            "actions": item.actions.select_related("moderator"),
            "form": form,
            "has_decisions": bool(offered),
            "offers_mute": Action.MUTE in offered,
            "offers_redact": Action.REDACT in offered,
            "note_url": moderated.note_url(content) if content and in_lane else "",
            # The group's reviewers only (not staff here for an appeal).
            "support_messages": (
                item.support_messages.select_related("sender") if reviews_group else []
            ),
            "message_form": (message_form or SupportMessageForm()) if may_message else None,
            # Staff here for an appeal do not review the group otherwise (no log for them).
            "can_open_items": reviews_group,
        },
        status=400 if form.errors or (message_form and message_form.errors) else 200,
    )


def decision_form(user, item: ModerationItem, moderated, content, *args, **kwargs) -> ActionForm:
    """The decision form, offering only what fits the item's state and the user's role."""
    offered = offered_decisions(user, item, moderated, content) if moderated else []
    return ActionForm(*args, offered=as_choices(offered), **kwargs)


@login_required
@require_POST
def claim(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    item = access_item(request.user, slug, item_id)
    require_mfa(request.user)
    try:
        services.claim_item(moderator=request.user, item=item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You are working on this item."))
    return redirect("moderation:item", slug=slug, item_id=item.pk)


@login_required
@require_POST
def act(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    item = access_item(request.user, slug, item_id)
    require_mfa(request.user)
    if earlier_result(request) is not None:
        # The same decision sent again: the item has moved on, so the form would no longer
        # offer it; answer as the first time.
        messages.success(request, _("Done. The action is in the log."))
        return redirect("moderation:queue", slug=slug)
    moderated = get_kind(item.kind)
    content = moderated.get(item.object_id) if moderated else None
    form = decision_form(request.user, item, moderated, content, request.POST)
    if form.is_valid():
        try:
            once(
                request,
                lambda: services.act(moderator=request.user, item=item, **form.cleaned_data),
            )
        except ValidationError as error:
            form.add_error(None, error)  # shown with what the moderator typed, kept
        else:
            messages.success(request, _("Done. The action is in the log."))
            return redirect("moderation:queue", slug=slug)
    else:
        form.add_error(None, _("Please choose a decision."))
    return item_page(request, item, form)


@login_required
@require_POST
def message_author(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    """Write privately and supportively to the member whose words are under review."""
    item = access_item(request.user, slug, item_id)
    require_mfa(request.user)
    if not request.user.has_perm("moderation.message_author", item):
        raise Http404
    form = SupportMessageForm(request.POST)
    if form.is_valid():
        try:
            once(
                request,
                lambda: send_support_message(
                    sender=request.user, item=item, body=form.cleaned_data["body"]
                ),
            )
        except ValidationError as error:
            form.add_error("body", error)
        else:
            messages.success(request, _("Your message was sent. Only the member can read it."))
            return redirect("moderation:item", slug=slug, item_id=item.pk)
    return item_page(request, item, message_form=form)


@login_required
def support_messages(request: HttpRequest) -> HttpResponse:
    """The member's private messages from their groups' moderators, newest first."""
    received = SupportMessage.objects.filter(recipient=request.user).select_related(
        "sender", "group"
    )
    page = Paginator(received, PER_PAGE).get_page(request.GET.get("page"))
    unread = {message.pk for message in page.object_list if message.read_at is None}
    if unread:
        mark_read(recipient=request.user)
    return render(request, "moderation/messages.html", {"page": page, "unread": unread})


@login_required
@require_safe  # read-only, as the log itself: no method of this address changes anything
def action_log(request: HttpRequest, slug: str) -> HttpResponse:
    """Every action in the group, newest first: read-only, as the log itself."""
    group = access_review_group(request.user, slug)
    require_mfa(request.user)
    actions = ModerationAction.objects.filter(group=group).select_related("moderator")
    page = Paginator(actions, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "moderation/log.html", {"group": group, "page": page})


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    """What moderators decided about the member's own words, with their reasons."""
    # Not decisions about their words (a moderator reaching out shows as a message).
    automatic = [Action.AUTO_HIDE, Action.HELD_AFTER_EDIT, Action.APPEAL, Action.SUPPORT_OFFERED]
    actions = (
        ModerationAction.objects.filter(subject=request.user)
        .exclude(action__in=automatic)
        .select_related("group", "item")
    )
    page = Paginator(actions, PER_PAGE).get_page(request.GET.get("page"))
    appealable = {
        action.item_id
        for action in page.object_list
        if action.action in ModerationAction.APPEALABLE
        and action.item is not None
        and action.item.appealed_at is None
    }
    return render(request, "moderation/notices.html", {"page": page, "appealable": appealable})


@login_required
def appeal(request: HttpRequest, item_id: int) -> HttpResponse:
    """A member asks, once, for a decision against them to be looked at again by someone
    other than the moderator who made it."""
    item = ModerationItem.objects.filter(pk=item_id, author=request.user).first()
    # Only a decision against the member can be appealed; for anything else the item's
    # existence stays unknown.
    if item is None or not services.decisions_against_author(item).exists():
        raise Http404
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            once(
                request,
                lambda: services.appeal(author=request.user, item=item, **form.cleaned_data),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your appeal was sent. Someone other than the moderator who decided will look."),
            )
            return redirect("moderation:notices")
    return render(
        request, "moderation/appeal.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """Open items, time to first action, and actions by type (reviewers and staff)."""
    group = access_queue_group(request.user, slug)
    require_mfa(request.user)
    return render(
        request,
        "moderation/dashboard.html",
        {"group": group, **dashboard_figures(group)},
    )


def median_minutes_to_first_action(items, *, since) -> int | None:
    waits = [
        (first - created).total_seconds() / 60
        for created, first in items.filter(
            created_at__gte=since, first_action_at__isnull=False
        ).values_list("created_at", "first_action_at")
    ]
    return round(statistics.median(waits)) if waits else None


def dashboard_figures(group) -> dict:
    now = timezone.now()
    items = ModerationItem.objects.filter(group=group)
    medians = {}
    for days in (7, 30):
        medians[days] = median_minutes_to_first_action(items, since=now - timedelta(days=days))
    crisis_30 = median_minutes_to_first_action(
        items.filter(crisis=True), since=now - timedelta(days=30)
    )
    by_type = (
        ModerationAction.objects.filter(group=group, created_at__gte=now - timedelta(days=30))
        .values("action")
        .annotate(count=Count("pk"))
        .order_by("-count")
    )
    labels = dict(ModerationAction.Action.choices)
    return {
        "open_count": items.filter(state=ModerationItem.State.OPEN).count(),
        "crisis_open": items.filter(state=ModerationItem.State.OPEN, crisis=True).count(),
        "median_7": medians[7],
        "median_30": medians[30],
        "crisis_median_30": crisis_30,
        "by_type": [(labels.get(row["action"], row["action"]), row["count"]) for row in by_type],
    }


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Staff: open items in every group, as counts only (no content, so no look to audit)."""
    if not request.user.has_perm("moderation.oversee"):
        raise Http404
    require_mfa(request.user)
    rows = ModerationItem.objects.open_counts_per_group()
    return render(request, "moderation/overview.html", {"rows": rows})
