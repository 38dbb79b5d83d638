"""What views use: the key a request's form carried, and running its write once."""

import hashlib
import re
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.db import models
from django.http import HttpRequest

from .models import FINGERPRINT_PREFIX
from .services import created_before, submit_once

T = TypeVar("T")

FIELD = "submission_key"
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Not part of what a member submitted: left out of a keyless request's fingerprint.
UNSUBMITTED_FIELDS = {"csrfmiddlewaretoken", FIELD}


def new_key() -> str:
    return uuid.uuid4().hex


def submission_key(request: HttpRequest) -> str:
    """The key of this submission: the form's key together with what was sent in it, so a
    form sent again unchanged is a repeat, but one changed after going Back is not. Without
    a valid form key, what was sent alone (the same request twice within
    SUBMISSION_REPEAT_WINDOW counts as one)."""
    sent = fingerprint(request)
    key = request.POST.get(FIELD, "").strip()
    if KEY_PATTERN.fullmatch(key):
        return hashlib.sha256(f"{key}\0{sent}".encode()).hexdigest()
    return FINGERPRINT_PREFIX + sent


def fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.path.encode())
    for name in sorted(set(request.POST) - UNSUBMITTED_FIELDS):
        for value in request.POST.getlist(name):
            digest.update(f"\0{name}\0{value}".encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"\0{name}\0{upload.name}\0{upload.size}".encode())
    return digest.hexdigest()[:64]


def once(request: HttpRequest, create: Callable[[], T]) -> T | None:
    """Run the write of this request's form once: a repeat returns what the first created."""
    return submit_once(author=request.user, key=submission_key(request), create=create).result


def earlier_result(request: HttpRequest) -> models.Model | None:
    """What an earlier, finished request with this same submission created, if anything:
    for a page that no longer shows its form once the first one has gone through."""
    if not request.user.is_authenticated:
        return None
    return created_before(author=request.user, key=submission_key(request))
