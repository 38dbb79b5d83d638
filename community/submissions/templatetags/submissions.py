"""`{% submission_key_field %}`: the one-time key inside every form that creates something."""

from django import template
from django.utils.html import format_html

from community.submissions.web import FIELD, new_key

register = template.Library()


@register.simple_tag
def submission_key_field() -> str:
    """A fresh key on every render: after a success the next form is a new submission, and
    after an error nothing was stored under the old key anyway."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())
