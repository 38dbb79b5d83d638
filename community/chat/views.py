"""The chat room as a page: it works without JavaScript (send, reload), and chat.js makes
it live over the WebSocket. Views resolve access through the policy and call services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from community.safety.context_processors import crisis_lines
from community.safety.services import landing, offer_support

from . import services
from .broadcast import author_key
from .forms import EditMessageForm, MessageForm
from .models import ChatMessage, ChatRoom
from .policy import access_group_room, access_message


def page_of_messages(room: ChatRoom, before: int | None) -> list[ChatMessage]:
    """The latest messages (or those before an id), oldest first, in one query."""
    messages_ = ChatMessage.objects.filter(room=room).select_related("author")
    if before:
        messages_ = messages_.filter(pk__lt=before)
    latest = list(messages_.order_by("-pk")[: settings.CHAT_MESSAGES_PER_PAGE])
    return latest[::-1]


def parse_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
def room(request: HttpRequest, slug: str) -> HttpResponse:
    """The room: latest messages rendered here; without JavaScript, the form posts here."""
    chat_room = access_group_room(request.user, slug)
    form = MessageForm(request.POST if request.method == "POST" else None)
    refused = False
    if request.method == "POST" and form.is_valid():
        try:
            message, _created = services.send_message(
                author=request.user, room=chat_room, **form.cleaned_data
            )
        except PermissionDenied:
            refused = True  # muted (the page shows no composer): say so above the messages
            messages.error(request, _("You cannot write in this chat right now."))
        except ValidationError as error:
            form.add_error("text", error)
        else:
            if getattr(message, "crisis", False):
                offer_support(request)
            return redirect(landing(request, chat_room.get_absolute_url()))
    before = parse_id(request.GET.get("before"))
    # Read first: whatever changes after this number is replayed by the page's script.
    last_seq = services.latest_change(chat_room)
    shown = page_of_messages(chat_room, before)
    context = {
        "room": chat_room,
        "group": chat_room.group,
        "chat_messages": shown,
        "form": form,
        "before": before,
        "last_id": shown[-1].pk if shown else 0,
        "last_seq": last_seq,
        "my_key": author_key(chat_room.pk, request.user.pk),
        "has_older": bool(shown)
        and ChatMessage.objects.filter(room=chat_room, pk__lt=shown[0].pk).exists(),
        "may_post": request.user.has_perm("chat.post", chat_room),
        "may_moderate": request.user.has_perm("chat.moderate", chat_room),
        "crisis_lines": crisis_lines(request.user),
    }
    status = 403 if refused else 400 if form.errors else 200
    template = "chat/_messages.html" if request.htmx else "chat/room.html"
    return render(request, template, context, status=status)


@login_required
@require_safe
def message_link(request: HttpRequest, message_id: int) -> HttpResponse:
    """Where moderation links point: the room, at the page holding the message."""
    message = access_message(request.user, message_id)
    return redirect(
        f"{message.room.get_absolute_url()}?before={message.pk + 1}#message-{message.pk}"
    )


@login_required
def message_edit(request: HttpRequest, message_id: int) -> HttpResponse:
    message = access_message(request.user, message_id)
    if not request.user.has_perm("chat.edit_message", message):
        raise PermissionDenied
    form = EditMessageForm(
        request.POST if request.method == "POST" else None,
        initial={"text": message.body_source},
    )
    if request.method == "POST" and form.is_valid():
        try:
            edited = services.edit_message(
                editor=request.user, message=message, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(request, _("Your message has been changed."))
            if getattr(edited, "crisis", False):
                offer_support(request)
            return redirect(landing(request, message.room.get_absolute_url()))
    status = 400 if form.errors else 200
    return render(
        request, "chat/message_edit.html", {"form": form, "message": message}, status=status
    )


@login_required
def message_delete(request: HttpRequest, message_id: int) -> HttpResponse:
    message = access_message(request.user, message_id)
    if not request.user.has_perm("chat.delete_message", message):
        raise PermissionDenied
    if request.method == "POST":
        services.delete_message(actor=request.user, message=message)
        messages.success(request, _("Your message has been deleted."))
        return redirect(message.room)
    return render(request, "chat/message_delete.html", {"message": message})
