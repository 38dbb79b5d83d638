"""Member-written Markdown in, safe stored HTML and plain text out.

markdown-it-py does the parsing with raw HTML switched off, so anything a member types that
looks like a tag is shown as text. Its output then goes through nh3 with a tight allow-list:
markdown-it is the only producer of tags here, and nh3 is the safety net that would catch a
parser bug or a rule someone enables later. The result is stored, so rendering happens once
per edit rather than per view, and it must be deterministic.
"""

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import nh3
from django.core.exceptions import ValidationError
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

# The service refuses longer posts; the renderer itself copes with anything it is given.
MAX_SOURCE_LENGTH = 20_000

# A quoted reply carries the gist of the post, not all of it.
_QUOTE_MAX_LENGTH = 1_500
# Depth of blockquotes in a reply, counting the new quote itself: deeper ones become "…".
_QUOTE_MAX_DEPTH = 3

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_LINK_SCHEMES = {"http", "https", "mailto"}
_LINK_REL = "nofollow noopener noreferrer"
_TABLE_ALIGNMENTS = {"left", "center", "right"}
# Members write h1/h2 out of habit; the page around the post owns those levels.
_HEADING_SHIFT = 2

_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    # Never reached while markdown-it escapes raw HTML, but if it ever were, drop the code
    # inside rather than leaving it behind as visible text.
    clean_content_tags={"script", "style"},
    # "*" must be given explicitly: otherwise nh3 keeps ammonia's default lang and title on
    # every tag.
    attributes={"*": set(), "a": {"href", "title"}},
    tag_attribute_values={
        "th": {"align": _TABLE_ALIGNMENTS},
        "td": {"align": _TABLE_ALIGNMENTS},
    },
    link_rel=_LINK_REL,
    url_schemes=_LINK_SCHEMES,
    # Relative links would point into this site with a member's choice of path; members
    # paste full URLs anyway, and the renderer never produces relative ones.
    url_relative="deny",
    strip_comments=True,
)

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
# nh3 drops an href whose host its IDNA rules refuse (a zero-width space, a U+FFFD) even
# though markdown-it accepted it; such a link without an href is unwrapped back to text.
# nh3 writes attributes in a fixed order, so its output can be matched exactly.
_LINK_WITHOUT_HREF = re.compile(
    rf'<a(?: title="[^"]*")? rel="{re.escape(_LINK_REL)}">(.*?)</a>', re.DOTALL
)
_SCHEME_IN_URL = re.compile(r"(?:java|vb)script:")
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_INLINE_MARKUP = re.compile(r"[\\`*_\[\]()<>!&~|#@/]|\.(?=\S)")
_BLOCK_MARKER = re.compile(r"^(\d{0,9})([-+=.)])")
_TABLE_ALIGN_STYLE = re.compile(r"text-align:(left|center|right)")
_BLOCK_TAGS = {
    "p", "br", "pre", "blockquote", "ul", "ol", "li", "h3", "h4", "h5", "h6", "hr",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


# C0 control characters (but tab and newline) have no place in text and can garble pages.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def without_controls(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text or "")


def normalise_source(text: str) -> str:
    """Member text as stored: plain newlines (browsers send CRLF), no control characters,
    no surrounding blank space."""
    return without_controls((text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def clean_source(text: str, *, limit: int, empty, too_long, code_prefix: str = "") -> str:
    """Member text as stored, refused when empty or longer than `limit` with the caller's
    words (`too_long` names %(length)d and %(max)d); codes `<prefix>empty`, `<prefix>too_long`."""
    text = normalise_source(text)
    if not text:
        raise ValidationError(empty, code=f"{code_prefix}empty")
    if len(text) > limit:
        raise ValidationError(
            too_long, code=f"{code_prefix}too_long", params={"length": len(text), "max": limit}
        )
    return text


@dataclass(frozen=True)
class Rendered:
    """Hold the sanitised HTML and the plain text rendered from one source."""

    html: str  # sanitised HTML, safe to mark_safe in templates
    text: str  # plain text for search and excerpts; escape it like any other text


def render_markdown(source: str) -> Rendered:
    """Render member-written Markdown to sanitised HTML and plain text."""
    # A lone surrogate (possible in JSON from a WebSocket, never in a form post) cannot be
    # encoded as UTF-8, which nh3 needs; show it as the replacement character instead.
    source = _LONE_SURROGATE.sub("\ufffd", source)
    safe_html = _CLEANER.clean(_MARKDOWN.render(source)).strip()
    safe_html = _LINK_WITHOUT_HREF.sub(r"\1", safe_html)
    return Rendered(html=safe_html, text=_plain_text(safe_html))


def quote_as_markdown(source: str, attribution: str) -> str:
    """Return the source as a blockquote headed by the attribution, for a quoted reply."""
    body = _trim(_elide_deep_quotes(source.replace("\r\n", "\n").replace("\r", "\n")))
    lines = [f"> {_escape_markdown(attribution)}"]
    if body:
        lines.append(">")
        # A bare ">" for blank lines keeps paragraph breaks without trailing whitespace.
        lines.extend(f"> {line}" if line.strip() else ">" for line in body.split("\n"))
    # The blank line ends the quote, so the reply that follows is not swallowed into it.
    return "\n".join(lines) + "\n\n"


def _is_allowed_link(url: str) -> bool:
    """Accept only absolute http(s) links with a host, and mailto links."""
    # markdown-it has already decoded entities and percent-encoded spaces and control
    # characters, so "&#106;avascript:" or "\x01javascript:" arrive without a valid scheme.
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in an IPv6 host
        return False
    if parts.scheme not in _LINK_SCHEMES or _carries_script_url(url):
        return False
    if parts.scheme == "mailto":
        return bool(parts.path)
    # mdurl empties host names longer than 255 characters; without this check linkify
    # would turn such text into a bare "http://" link and lose the rest of it.
    return bool(parts.hostname)


def _carries_script_url(value: str) -> bool:
    """Tell whether a value hides a script URL anywhere, e.g. in a redirect parameter."""
    decoded = unquote(html.unescape(value))
    return bool(_SCHEME_IN_URL.search(_INVISIBLE.sub("", decoded).lower()))


def _tighten_tokens(state: StateCore) -> None:
    """Shift headings down, turn table styles into align and drop script-like titles."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + _HEADING_SHIFT, 6)
            token.tag = f"h{level}"
        elif token.type in ("th_open", "td_open"):
            # markdown-it writes style="text-align:…"; style is never allowed, align is.
            style = token.attrs.pop("style", None)
            match = _TABLE_ALIGN_STYLE.fullmatch(str(style or ""))
            if match:
                token.attrs["align"] = match[1]
        for child in token.children or ():
            if child.type == "link_open" and _carries_script_url(str(child.attrs.get("title", ""))):
                del child.attrs["title"]


def _build_markdown() -> MarkdownIt:
    """Build the one parser configuration every kind of content shares."""
    # breaks: members (many not used to Markdown) expect a new line to stay a new line.
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    md.enable(["linkify", "strikethrough", "table"])
    # Any <img> would make every reader's browser fetch a URL a member chose, leaking their
    # IP address. With the image rule off, "![alt](url)" falls through to the link rule and
    # becomes "!" plus an ordinary link: no image token exists at any stage, which is safer
    # than rewriting image tokens in the renderer, where a missed path would emit <img>.
    md.disable("image")
    md.validateLink = _is_allowed_link
    md.core.ruler.push("community_tighten", _tighten_tokens)
    return md


_MARKDOWN = _build_markdown()


class _TextExtractor(HTMLParser):
    """Collect the text of sanitised HTML, with a space wherever a block starts or ends."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _plain_text(safe_html: str) -> str:
    """Return the text of sanitised HTML with entities decoded and whitespace collapsed."""
    extractor = _TextExtractor()
    extractor.feed(safe_html)
    extractor.close()
    return " ".join("".join(extractor.parts).split())


def _elide_deep_quotes(source: str) -> str:
    """Replace blockquotes nested too deep for a reply with a single "…" line."""
    lines = source.split("\n")
    depth = 0
    ranges: list[tuple[int, int]] = []
    for token in _MARKDOWN.parse(source):
        if token.type == "blockquote_open":
            depth += 1
            # The reply adds one level, so source depth _QUOTE_MAX_DEPTH would exceed it;
            # the map of that blockquote covers everything nested inside it as well.
            if depth == _QUOTE_MAX_DEPTH and token.map:
                ranges.append((token.map[0], token.map[1]))
        elif token.type == "blockquote_close":
            depth -= 1
    for start, end in reversed(ranges):
        lines[start:end] = [_outer_quote_prefix(lines[start]) + "…"]
    return "\n".join(lines)


def _outer_quote_prefix(line: str) -> str:
    """Return the part of the line before the marker of its too-deep blockquote."""
    # Every enclosing blockquote has its ">" on the line that opens a nested one, so the
    # too-deep blockquote's marker is the _QUOTE_MAX_DEPTH-th ">" on that line.
    position = -1
    for _ in range(_QUOTE_MAX_DEPTH):
        position = line.find(">", position + 1)
        if position < 0:
            return "> " * (_QUOTE_MAX_DEPTH - 1)
    return line[:position]


def _trim(text: str) -> str:
    """Cut text to the quote length at a word boundary, marking the cut with "…"."""
    text = text.strip("\n").rstrip()
    if len(text) <= _QUOTE_MAX_LENGTH:
        return text
    cut = text[:_QUOTE_MAX_LENGTH]
    boundary = max(cut.rfind(" "), cut.rfind("\n"))
    # Prefer a word boundary, but not at the cost of most of the quote (one long word).
    if boundary > _QUOTE_MAX_LENGTH * 4 // 5:
        cut = cut[:boundary]
    return cut.rstrip() + "…"


def _escape_markdown(text: str) -> str:
    """Return text on one line, with the characters that could start Markdown escaped."""
    # A display name such as "[x](https://…)", "# Admin" or "evil.example" must stay literal.
    # Only characters that can start markup are escaped, so "Dr. Berg wrote:" stays readable
    # in the reply box: dots only inside words (where linkify would see a domain), and the
    # list markers only at the start of the line.
    text = _INLINE_MARKUP.sub(r"\\\g<0>", " ".join(text.split()))
    return _BLOCK_MARKER.sub(r"\1\\\2", text)
