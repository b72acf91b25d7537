"""The one markdown function: what it keeps, what stays literal, and that nothing executes."""
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from buildstory.markdown import meta_description, plain, render

LINK = '<a href="{}" target="_blank" rel="noopener noreferrer nofollow">{}</a>'


class Elements(HTMLParser):
    """Collect every start tag with its (unescaped) attributes."""

    def __init__(self, markup):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.feed(str(markup))

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(markup):
    """Only the allowed tags, only href/rel/target on links, only http(s) targets."""
    for tag, attrs in Elements(markup).tags:
        assert tag in {"p", "br", "strong", "em", "del", "a"}, (tag, markup)
        if tag == "a":
            assert set(attrs) <= {"href", "rel", "target"}, markup
            assert attrs["href"].startswith(("http://", "https://")), markup
            assert attrs["rel"] == "noopener noreferrer nofollow"
        else:
            assert attrs == {}, markup


@pytest.mark.parametrize("source, html", [
    ("**bold** and __bold__", "<p><strong>bold</strong> and <strong>bold</strong></p>"),
    ("*italic* and _italic_", "<p><em>italic</em> and <em>italic</em></p>"),
    ("***both***", "<p><strong><em>both</em></strong></p>"),
    ("~~gone~~ and ~~**both**~~", "<p><del>gone</del> and <del><strong>both</strong></del></p>"),
    ("[my site](https://example.com/a?b=1&c=2)",
     "<p>" + LINK.format("https://example.com/a?b=1&amp;c=2", "my site") + "</p>"),
    ("[plain http](http://example.org)", "<p>" + LINK.format("http://example.org", "plain http") + "</p>"),
    ("[**bold link**](https://x.dev)", "<p>" + LINK.format("https://x.dev", "<strong>bold link</strong>") + "</p>"),
    ("[wiki](https://en.wikipedia.org/wiki/Ada_(language))",
     "<p>" + LINK.format("https://en.wikipedia.org/wiki/Ada_(language)", "wiki") + "</p>"),
    ("line one\nline two", "<p>line one<br>\nline two</p>"),
    ("first paragraph\n\nsecond paragraph", "<p>first paragraph</p>\n<p>second paragraph</p>"),
    ("windows\r\nnewlines", "<p>windows<br>\nnewlines</p>"),
])
def test_allowed_constructs(source, html):
    assert render(source) == Markup(html)


@pytest.mark.parametrize("source, html", [
    ("# Heading", "<p># Heading</p>"),
    ("Title\n=====", "<p>Title<br>\n=====</p>"),
    ("- one\n- two", "<p>- one<br>\n- two</p>"),
    ("1. first", "<p>1. first</p>"),
    ("> quoted", "<p>&gt; quoted</p>"),
    ("`code`", "<p>`code`</p>"),
    ("```\nfenced\n```", "<p>```<br>\nfenced<br>\n```</p>"),
    ("    indented code", "<p>indented code</p>"),
    ("---", "<p>---</p>"),
    ("![cat](https://example.com/cat.png)", "<p>![cat](https://example.com/cat.png)</p>"),
    ("<b>raw</b>", "<p>&lt;b&gt;raw&lt;/b&gt;</p>"),
    ("<https://auto.example.com>", "<p>&lt;https://auto.example.com&gt;</p>"),
    ("[ref][1]\n\n[1]: https://example.com", "<p>[ref][1]</p>\n<p>[1]: https://example.com</p>"),
    ("&lt;b&gt; &#106; &amp;", "<p>&amp;lt;b&amp;gt; &amp;#106; &amp;amp;</p>"),
    ("https://bare.example.com", "<p>https://bare.example.com</p>"),
    ("[relative](/admin)", "<p>[relative](/admin)</p>"),
    ("[mail](mailto:a@example.com)", "<p>[mail](mailto:a@example.com)</p>"),
    ("[ftp](ftp://example.com)", "<p>[ftp](ftp://example.com)</p>"),
])
def test_everything_else_stays_literal_text(source, html):
    assert render(source) == Markup(html)


@pytest.mark.parametrize("source, html", [
    ("snake_case_name", "<p>snake_case_name</p>"),
    ("2*3*4", "<p>2*3*4</p>"),
    ("un*frigging*believable", "<p>un*frigging*believable</p>"),
    ("~single tilde~", "<p>~single tilde~</p>"),
    ("**unclosed", "<p>**unclosed</p>"),
    (r"\*not italic\*", "<p>*not italic*</p>"),
])
def test_emphasis_never_starts_inside_a_word_and_needs_a_closing_mark(source, html):
    assert render(source) == Markup(html)


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<!--<script>alert(1)</script>-->",
    "<style>@import 'https://evil.example/x.css';</style>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](javascript&#58;alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](java\nscript:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](//evil.example)",
    "[x](https:evil.example)",
    "[[x](javascript:alert(1))](https://ok.example)",
    "[x](https://ok.example\" onmouseover=\"alert(1))",
    "[x](https://ok.example/\"><script>alert(1)</script>)",
    "[x](https://ok.example 'a' onclick='alert(1)')",
    "[<img src=x onerror=alert(1)>](https://ok.example)",
    "**<img src=x onerror=alert(1)>**",
    "_<svg onload=alert(1)>_",
    "~~<script>alert(1)</script>~~",
    "![x](https://ok.example/x.png\" onerror=\"alert(1))",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<a href=https://ok.example onclick=alert(1)>x</a>",
    "\\<script>alert(1)\\</script>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_produce_no_executable_markup(payload):
    out = render(payload)
    assert_inert(out)
    lowered = str(out).lower()
    assert "<script" not in lowered and "<img" not in lowered and "<svg" not in lowered
    assert not any(tag == "a" and "javascript" in attrs["href"].lower()
                   for tag, attrs in Elements(out).tags)


def test_xss_corpus_is_large_enough():
    assert len(XSS_PAYLOADS) >= 20


def test_links_open_in_a_new_tab_without_referrer_or_endorsement():
    (tag, attrs), = [t for t in Elements(render("[a](https://a.example)")).tags if t[0] == "a"]
    assert attrs == {"href": "https://a.example", "target": "_blank",
                     "rel": "noopener noreferrer nofollow"}


def test_empty_text_renders_nothing_and_result_is_markup():
    assert render(None) == Markup("") and render("  \n ") == Markup("")
    assert isinstance(render("hi"), Markup)


def test_brackets_cannot_make_rendering_slow():
    import time
    start = time.perf_counter()
    for hostile in ("[" * 2000, "[x](" * 500, "(" * 2000, "*_" * 1000, "~~" * 1000):
        assert_inert(render(hostile))
    assert time.perf_counter() - start < 2  # generous: quadratic behaviour takes far longer


def test_plain_strips_markup_and_keeps_the_words():
    assert plain("**Hi** _there_\n[my site](https://x.example) ~~old~~\n\nNext") == \
        "Hi there my site old Next"
    assert plain("<b>literal</b> &amp;") == "<b>literal</b> &amp;"
    assert plain(None) == ""


def test_meta_description_is_cut_at_a_word_boundary_with_an_ellipsis():
    text = "Builder " + " ".join(f"word{i}" for i in range(60))
    out = meta_description(text)
    assert len(out) <= 160 and out.endswith("…")
    assert text.startswith(out[:-1]) and text[len(out) - 1] == " "  # cut before a space


def test_meta_description_short_text_unchanged_and_fallback():
    assert meta_description("**Short** bio") == "Short bio"
    assert meta_description("", fallback="Ada builds things") == "Ada builds things"
    assert meta_description(None, limit=10, fallback="Ada builds lots of things") == "Ada…"
    assert len(meta_description("x" * 400)) == 160  # one long word: a hard cut
