"""Forum pages. Each view resolves access through the policy, then reads or calls a service."""

from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.accounts.mfa import require_mfa
from community.accounts.models import User
from community.groups.policy import groups_moderated_by
from community.safety.services import landing, offer_support
from community.submissions.web import once

from . import services
from .forms import EditPostForm, MoveThreadForm, ReplyForm, SearchForm, ThreadForm
from .mentions import suggest_members
from .models import (
    ClinicianNote,
    Post,
    Reaction,
    ReactionKind,
    ReadState,
    Thread,
    page_for,
    posts_per_page,
)
from .page_reads import post_extras, reader_state
from .policy import (
    ThreadPermissions,
    access_group_forum,
    access_image,
    access_post,
    access_post_anywhere,
    access_thread,
    may_review,
)
from .rendering import (
    Clock,
    PostArticles,
    ReactionBars,
    ReactionCount,
    ShownTime,
    reaction_bar,
)
from .search import search_posts

SEARCH_RESULTS_PER_PAGE = 20


def url_prefix(name: str, *, slug: str, id_kwarg: str) -> str:
    """Reverse a URL ending in an id once, so that loops append ids instead of reversing."""
    return reverse(name, kwargs={"slug": slug, id_kwarg: 0})[: -len("0/")]


def call_service(form, action):
    """Run a write for a valid form; a refusal becomes a form error. Return its result."""
    try:
        return action()
    except ValidationError as error:
        form.add_error(None, error)
        return None


def form_page(request: HttpRequest, template: str, context: dict, form) -> HttpResponse:
    """Render a writing form; 400 when it carries errors, so tools and tests can tell."""
    return render(request, template, {**context, "form": form}, status=400 if form.errors else 200)


# --- Thread list ----------------------------------------------------------------------


@login_required
def thread_list(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_forum(request.user, slug)
    threads = Thread.objects.filter(group=group).for_list(request.user)
    if not may_review(request.user, group):
        # Threads waiting for review: only their authors (and moderators) see them.
        threads = threads.hiding_held_from(request.user)
    page = Paginator(threads, settings.FORUM_THREADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "forum/thread_list.html",
        {
            "group": group,
            "page": page,
            "thread_base": reverse("forum:thread_list", kwargs={"slug": slug}),
            "can_start": request.user.has_perm("forum.start_thread", group),
        },
    )


@login_required
def thread_create(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_forum(request.user, slug)
    if not request.user.has_perm("forum.start_thread", group):
        raise PermissionDenied
    form = ThreadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        thread = call_service(
            form,
            lambda: once(
                request,
                lambda: services.create_thread(
                    author=request.user, group=group, **form.cleaned_data
                ),
            ),
        )
        if thread:
            messages.success(request, _("Your thread was posted."))
            if thread.crisis:
                offer_support(request)
            return redirect(landing(request, thread.get_absolute_url()))
    return form_page(request, "forum/thread_form.html", {"group": group}, form)


@login_required
@require_POST
def mark_all_read(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group_forum(request.user, slug)
    services.mark_group_read(user=request.user, group=group)
    messages.success(request, _("All threads in this group are marked as read."))
    return redirect("forum:thread_list", slug=slug)


# --- Thread page ----------------------------------------------------------------------


def reaction_labels() -> list[tuple[str, str]]:
    """The reaction kinds with their labels translated once, not once per post."""
    return [(kind, str(label)) for kind, label in ReactionKind.choices]


def reaction_summary(post: Post, mine: frozenset, labels=None) -> list[ReactionCount]:
    """The reaction buttons of one post: every kind, its count, and whether it is mine."""
    return [
        ReactionCount(kind, label, post.reaction_counts.get(kind, 0), kind in mine)
        for kind, label in labels or reaction_labels()
    ]


@dataclass
class PostRow:
    """One post as the thread page shows it; everything decided before the template."""

    post: "ShownPost"
    may_edit: bool
    may_delete: bool
    is_unread: bool
    is_own: bool
    shows_body: bool  # withheld posts: only their author and moderators see the text
    reactions: SafeString  # the reaction bar, built in Python (rendering.py)
    time: ShownTime
    may_note: bool  # a verified clinician of the group may add (or change) their note
    my_note: ClinicianNote | None


def page_of(request: HttpRequest, thread: Thread) -> int:
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        number = 1
    return min(max(number, 1), thread.page_count)


# What the thread page shows of a post and its author, in this order (ShownPost).
POST_VALUES = (
    "pk",
    "author_id",
    "number",
    "body_html",
    "content_warning",
    "is_anonymous",
    "created_at",
    "edited_at",
    "deleted_at",
    "hidden_at",
    "removed_at",
    "held_at",
    "moderator_note",
    "reaction_counts",
    "author__display_name",
    "author__erased_at",
    "author__is_verified_clinician",
)


@dataclass(frozen=True, slots=True)
class ShownPhoto:
    pk: int
    width: int
    height: int


class ShownAuthor:
    """A post's author as the thread page reads them (their name, and their badge)."""

    __slots__ = ("pk", "display_name", "erased_at", "is_verified_clinician")
    public_name = User.public_name  # the model's own rule ("Former member" once closed)

    def __init__(self, pk, display_name, erased_at, is_verified_clinician):
        self.pk = pk
        self.display_name = display_name
        self.erased_at = erased_at
        self.is_verified_clinician = is_verified_clinician


class ShownPost:
    """A post as the thread page reads it: the fields it shows, read as plain values rather
    than a model instance (with its author's) per post, the largest cost after SQL. The
    policy's per-post rules and the renderer read the same attributes and properties as on
    a Post; the properties are the model's own."""

    __slots__ = (*(name for name in POST_VALUES[:14]), "author", "photos", "notes")
    is_deleted = Post.is_deleted
    is_withheld = Post.is_withheld

    def __init__(self, values: tuple):
        for name, value in zip(POST_VALUES[:14], values, strict=False):
            setattr(self, name, value)
        author_id = values[1]
        self.author = ShownAuthor(author_id, *values[14:]) if author_id is not None else None
        self.photos = []
        self.notes = []


def post_rows(request, thread: Thread, page: int, perms: ThreadPermissions, read_up_to: int):
    size = posts_per_page()
    first = (page - 1) * size + 1
    posts = thread.posts.filter(number__gte=first, number__lt=first + size)
    if not perms.can_review:
        # Posts waiting for review are shown only to their authors (and reviewers).
        posts = posts.exclude(Q(held_at__isnull=False) & ~Q(author_id=request.user.pk))
    posts = [ShownPost(values) for values in posts.values_list(*POST_VALUES)]
    by_id = {post.pk: post for post in posts}
    # Photos, the member's own reactions and which posts have clinicians' notes: one
    # statement, whatever the number of posts; the notes themselves only where there are.
    extras = post_extras(request.user.pk, list(by_id))
    for post_id, photos in extras.photos.items():
        by_id[post_id].photos = [ShownPhoto(*photo) for photo in photos]
    if extras.noted:
        notes = ClinicianNote.objects.shown_to(request.user, reviews=perms.can_review)
        for note in notes.filter(post_id__in=extras.noted):
            by_id[note.post_id].notes.append(note)
    mine = extras.mine
    bars = ReactionBars(
        reaction_labels(),
        # One token for the page's reaction forms, as {% csrf_token %} gives every form.
        csrf_token=get_token(request) if perms.can_react else None,
        post_base=url_prefix("forum:post_permalink", slug=thread.group.slug, id_kwarg="post_id"),
    )
    clock = Clock()  # times in the member's zone and language, each day's date written once
    return [
        PostRow(
            post=post,
            may_edit=perms.may_edit(post),
            may_delete=perms.may_delete(post),
            is_unread=post.number > read_up_to,
            is_own=post.author_id == request.user.pk,
            shows_body=not post.is_withheld
            or post.author_id == request.user.pk
            or perms.can_review,
            reactions=bars.bar(post.pk, post.reaction_counts, mine.get(post.pk, ())),
            time=clock.shown(post.created_at),
            may_note=perms.may_note(post),
            my_note=next((note for note in post.notes if note.author_id == request.user.pk), None),
        )
        for post in posts
    ]


@login_required
def thread_detail(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    thread = access_thread(request.user, slug, thread_id)
    perms = ThreadPermissions.for_thread(request.user, thread)
    page = page_of(request, thread)
    reader = reader_state(request.user.pk, thread.pk)
    read_state = None
    if reader.read_state_id is not None:
        read_state = ReadState(
            pk=reader.read_state_id, last_read_number=reader.last_read_number, thread_id=thread.pk
        )
    read_up_to = reader.last_read_number
    rows = post_rows(request, thread, page, perms, read_up_to)
    if rows:
        services.mark_read(
            user=request.user,
            thread=thread,
            number=rows[-1].post.number,
            known=read_state,
            looked_up=True,
        )
    form = ReplyForm(initial=quoted_reply(request, thread)) if perms.can_reply else None
    context = thread_context(request, thread, perms, page, rows, form, reader.following)
    if form is not None and not form.initial:
        context["reply_fields"] = blank_reply_fields(get_language(), thread.group.slug)
    return render(request, "forum/thread_detail.html", context)


@lru_cache(maxsize=512)
def blank_reply_fields(language: str, slug: str) -> SafeString:
    """The fields of an empty reply form, as forum/_post_form_fields.html writes them, once
    per language and group in each process: the same for every member (no values, no errors;
    the CSRF token and the submission key are written outside them), and a sixth of a thread
    page's time when rendered per request. Edits to the templates show after a restart."""
    group = SimpleNamespace(slug=slug)
    with translation.override(language):
        return SafeString(
            render_to_string("forum/_post_form_fields.html", {"form": ReplyForm(), "group": group})
        )


def thread_context(request, thread, perms, page, rows, form, following: bool) -> dict:
    slug = thread.group.slug
    post_base = url_prefix("forum:post_permalink", slug=slug, id_kwarg="post_id")
    articles = PostArticles(
        user_id=request.user.pk,
        can_reply=perms.can_reply,
        can_moderate=perms.can_moderate,
        page_number=page,
        # Built once: the post loop formats ids into these instead of reversing URLs.
        post_base=post_base,
        image_base=url_prefix("forum:image", slug=slug, id_kwarg="image_id"),
        flag_base=object_url_prefix("moderation:flag", "forum.post"),
        review_base=object_url_prefix("moderation:review_content", "forum.post"),
        note_flag_base=object_url_prefix("moderation:flag", "forum.clinician_note"),
        note_review_base=object_url_prefix("moderation:review_content", "forum.clinician_note"),
    )
    return {
        "group": thread.group,
        "thread": thread,
        "perms": perms,
        "posts": articles.render(rows),
        "form": form,
        "page_number": page,
        "pages": range(1, thread.page_count + 1),
        "following": following,
        "thread_url": thread.get_absolute_url(),
    }


def object_url_prefix(name: str, kind: str) -> str:
    """Reverse a moderation URL for a kind of content once; loops append the object's id."""
    return reverse(name, kwargs={"kind": kind, "object_id": 0})[: -len("0/")]


def quoted_reply(request: HttpRequest, thread: Thread) -> dict:
    """Start a reply with a quote of the post named in `?quote=`, if it is in this thread;
    the quoted post's content warning comes along, so the quote stays hidden too."""
    from community.markup.render import quote_as_markdown

    quote_id = request.GET.get("quote", "")
    if not quote_id.isdigit():
        return {}
    post = thread.posts.select_related("author").filter(pk=int(quote_id)).first()
    if post is None or post.is_deleted or post.is_withheld:
        return {}
    name = _("A group member") if post.is_anonymous or post.author is None else str(post.author)
    quote = quote_as_markdown(post.body_source, _("%(name)s wrote:") % {"name": name})
    return {"body": quote, "content_warning": post.content_warning}


@login_required
def thread_unread(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    """Jump to the first post the member has not read yet."""
    thread = access_thread(request.user, slug, thread_id)
    state = ReadState.objects.filter(user=request.user, thread=thread).first()
    number = min((state.last_read_number if state else 0) + 1, thread.last_published_number)
    return redirect(post_location(thread, number))


def post_location(thread: Thread, number: int) -> str:
    return f"{thread.get_absolute_url()}?page={page_for(number)}#post-{number}"


@login_required
def post_link(request: HttpRequest, post_id: int) -> HttpResponse:
    """A post's lasting address (notifications keep it): still right after a thread moves."""
    post = access_post_anywhere(request.user, post_id)
    return redirect(post_location(post.thread, post.number))


@login_required
def post_permalink(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    post = access_post(request.user, slug, post_id)
    return redirect(post_location(post.thread, post.number))


# --- Writing --------------------------------------------------------------------------


@login_required
def post_reply(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    thread = access_thread(request.user, slug, thread_id)
    if not request.user.has_perm("forum.reply", thread):
        raise PermissionDenied
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        post = call_service(
            form,
            lambda: once(
                request,
                lambda: services.reply(author=request.user, thread=thread, **form.cleaned_data),
            ),
        )
        if post:
            messages.success(request, _("Your reply was posted."))
            if post.crisis:
                offer_support(request)
            return redirect(landing(request, post_location(thread, post.number)))
    context = {"group": thread.group, "thread": thread}
    return form_page(request, "forum/reply_form.html", context, form)


@login_required
def post_edit(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    post = access_post(request.user, slug, post_id)
    if not request.user.has_perm("forum.edit_post", post):
        raise PermissionDenied
    initial = {"body": post.body_source, "content_warning": post.content_warning}
    form = EditPostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        edited = call_service(
            form, lambda: services.edit_post(editor=request.user, post=post, **form.cleaned_data)
        )
        if edited:
            messages.success(request, _("Your changes were saved."))
            if edited.crisis:
                offer_support(request)
            return redirect(landing(request, post_location(post.thread, post.number)))
    return form_page(
        request, "forum/post_edit.html", {"group": post.thread.group, "post": post}, form
    )


@login_required
def post_delete(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    post = access_post(request.user, slug, post_id)
    if not request.user.has_perm("forum.delete_post", post):
        raise PermissionDenied
    if request.method == "POST":
        services.delete_post(actor=request.user, post=post)
        messages.success(request, _("Your post was deleted."))
        return redirect(post_location(post.thread, post.number))
    return render(request, "forum/post_delete.html", {"group": post.thread.group, "post": post})


def chosen_reaction(request: HttpRequest) -> tuple[str, bool | None]:
    """The reaction and the state the member chose ("support:on"); a bare kind switches."""
    kind, _sep, state = request.POST.get("reaction", request.POST.get("kind", "")).partition(":")
    return kind, {"on": True, "off": False}.get(state)


@login_required
@require_POST
def post_react(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    """Toggle one reaction; htmx gets the updated reaction bar, plain forms a redirect."""
    post = access_post(request.user, slug, post_id)
    if not request.user.has_perm("forum.react", post):
        raise PermissionDenied
    kind, on = chosen_reaction(request)
    try:
        services.toggle_reaction(user=request.user, post=post, kind=kind, on=on)
    except ValidationError:
        return HttpResponse(_("Unknown reaction."), status=400)
    if request.htmx:
        mine = frozenset(
            Reaction.objects.filter(user=request.user, post=post).values_list("kind", flat=True)
        )
        return HttpResponse(
            reaction_bar(
                post.pk,
                reaction_summary(post, mine),
                csrf_token=get_token(request),
                post_base=url_prefix("forum:post_permalink", slug=slug, id_kwarg="post_id"),
            )
        )
    return redirect(post_location(post.thread, post.number))


@login_required
@require_POST
def thread_follow(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    thread = access_thread(request.user, slug, thread_id)
    follow = request.POST.get("follow") == "1"
    services.set_following(user=request.user, thread=thread, follow=follow)
    if follow:
        messages.success(request, _("You are following this thread."))
    else:
        messages.success(request, _("You no longer follow this thread."))
    return redirect(thread)


# --- Moderation -----------------------------------------------------------------------

THREAD_FLAG_ACTIONS = {
    "pin": {"pinned": True},
    "unpin": {"pinned": False},
    "lock": {"locked": True},
    "unlock": {"locked": False},
}


@login_required
@require_POST
def thread_moderate(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    thread = access_thread(request.user, slug, thread_id)
    if not request.user.has_perm("forum.moderate", thread):
        raise PermissionDenied
    require_mfa(request.user)
    action = THREAD_FLAG_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
    else:
        services.set_thread_flags(moderator=request.user, thread=thread, **action)
        messages.success(request, _("The thread was updated."))
    return redirect(thread)


@login_required
def thread_move(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    thread = access_thread(request.user, slug, thread_id)
    if not request.user.has_perm("forum.moderate", thread):
        raise PermissionDenied
    require_mfa(request.user)
    targets = (
        groups_moderated_by(request.user).exclude(pk=thread.group_id).filter(kind=thread.group.kind)
    )
    form = MoveThreadForm(request.POST or None, groups=targets)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        moved = call_service(
            form, lambda: services.move_thread(moderator=request.user, thread=thread, target=target)
        )
        if moved:
            messages.success(request, _("The thread was moved."))
            return redirect(thread)
    context = {"group": thread.group, "thread": thread}
    return form_page(request, "forum/thread_move.html", context, form)


@login_required
def post_history(
    request: HttpRequest, slug: str, post_id: int, note_id: int | None = None
) -> HttpResponse:
    """Earlier versions of a post, or of a clinician's note under it, for moderators; each
    look is recorded."""
    post = access_post(request.user, slug, post_id)
    note = None
    if note_id is not None:
        note = post.clinician_notes.select_related("author").filter(pk=note_id).first()
        if note is None:
            raise Http404
    if not request.user.has_perm("forum.moderate", post):
        raise PermissionDenied
    require_mfa(request.user)
    services.record_history_view(viewer=request.user, post=post, note=note)
    return render(
        request,
        "forum/post_history.html",
        {
            "group": post.thread.group,
            "post": post,
            "note": note,
            "revisions": (note or post).revisions.all(),
        },
    )


@login_required
def post_author(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    """Who wrote an anonymous post: moderators confirm with POST, and the look is recorded."""
    post = access_post(request.user, slug, post_id)
    if not request.user.has_perm("forum.moderate", post):
        raise PermissionDenied
    require_mfa(request.user)
    author = None
    if request.method == "POST":
        author = services.reveal_author(viewer=request.user, post=post)
    return render(
        request,
        "forum/post_author.html",
        {
            "group": post.thread.group,
            "post": post,
            "author": author,
            "revealed": author is not None,
        },
    )


# --- Photos and search ----------------------------------------------------------------


@login_required
def image(request: HttpRequest, slug: str, image_id: int) -> FileResponse:
    """Serve an attached photo to members of its group only; never cached publicly."""
    photo = access_image(request.user, slug, image_id)
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    # Not kept by the browser: a shared computer, or a post deleted since, must not show it.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@login_required
def mention_suggestions(request: HttpRequest, slug: str) -> JsonResponse:
    """Display names of this group's members for @mention autocomplete (members only)."""
    group = access_group_forum(request.user, slug)
    return JsonResponse({"names": suggest_members(group, request.GET.get("q", ""))})


@login_required
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    hits = search_posts(request.user, query) if query else []
    page = Paginator(hits, SEARCH_RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "forum/search.html", {"form": form, "query": query, "page": page})
