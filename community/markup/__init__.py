"""Turn member-written Markdown into safe stored HTML, for every kind of member content.

A plain package rather than a Django app: it owns no data and imports no project app, so
any floor (forum, chat, Q&A, consent documents) can use it.
"""

from .render import (
    MAX_SOURCE_LENGTH,
    Rendered,
    normalise_source,
    quote_as_markdown,
    render_markdown,
    without_controls,
)

__all__ = [
    "MAX_SOURCE_LENGTH",
    "Rendered",
    "normalise_source",
    "quote_as_markdown",
    "render_markdown",
    "without_controls",
]
