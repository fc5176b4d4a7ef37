"""Table tests of the email extractor: where addresses hide, look-alikes, normalisation."""

from __future__ import annotations

import pytest

from scrapersky.scraping.emails import extract_emails, extract_emails_from_text

# (id, html, {email: method}) — the page must yield exactly these addresses and methods.
FOUND = [
    ("plain-text", "<p>Write to info@acme.com today</p>", {"info@acme.com": "text"}),
    ("uppercase", "<p>SALES@ACME.COM</p>", {"sales@acme.com": "text"}),
    ("plus-tag", "<p>bob+news@acme.com</p>", {"bob+news@acme.com": "text"}),
    ("dotted-local", "<p>j.m.smith@acme.co.uk</p>", {"j.m.smith@acme.co.uk": "text"}),
    ("apostrophe", "<p>o'brien@acme.ie</p>", {"o'brien@acme.ie": "text"}),
    ("subdomain", "<p>ops@mail.eu.acme.com</p>", {"ops@mail.eu.acme.com": "text"}),
    ("new-gtld", "<p>hi@studio.design</p>", {"hi@studio.design": "text"}),
    ("multi-suffix", "<p>info@100noticias.com.ni</p>", {"info@100noticias.com.ni": "text"}),
    ("digits", "<p>team42@4x4-club.de</p>", {"team42@4x4-club.de": "text"}),
    ("spans-joined", "<p><span>info</span>@<span>acme.com</span></p>", {"info@acme.com": "text"}),
    ("bold-domain", "<p>info@<b>acme</b>.com</p>", {"info@acme.com": "text"}),
    ("comment-split", "<p>info<!-- x -->@acme<!-- y -->.com</p>", {"info@acme.com": "text"}),
    ("blocks-separate", "<div>Call us</div><div>info@acme.com</div><div>Fax</div>",
     {"info@acme.com": "text"}),
    ("br-separates", "<p>Mail:<br>info@acme.com<br>Web: www.acme.com</p>",
     {"info@acme.com": "text"}),
    ("li-separates", "<ul><li>info@acme.com</li><li>Impressum</li></ul>",
     {"info@acme.com": "text"}),
    ("td-separates", "<table><tr><td>sales@acme.com</td><td>Phone</td></tr></table>",
     {"sales@acme.com": "text"}),
    ("trailing-dot", "<p>Contact info@acme.com.</p>", {"info@acme.com": "text"}),
    ("trailing-comma", "<p>info@acme.com, sales@acme.com;</p>",
     {"info@acme.com": "text", "sales@acme.com": "text"}),
    ("angle-brackets", "<p>Bob &lt;bob@acme.com&gt;</p>", {"bob@acme.com": "text"}),
    ("parentheses", "<p>(bob@acme.com)</p>", {"bob@acme.com": "text"}),
    ("quotes", "<p>\"bob@acme.com\" or 'ann@acme.com'</p>",
     {"bob@acme.com": "text", "ann@acme.com": "text"}),
    ("glued-sentence", "<p>Mail bob@acme.com.Next sentence.</p>", {"bob@acme.com": "text"}),
    ("nbsp-around", "<p>E-Mail:\u00a0bob@acme.com\u00a0</p>", {"bob@acme.com": "text"}),
    ("title-tag", "<title>Contact bob@acme.com</title>", {"bob@acme.com": "text"}),
    ("noscript-visible", "<noscript>bob@acme.com</noscript>", {"bob@acme.com": "text"}),
    ("template-content", "<template><p>bob@acme.com</p></template>", {"bob@acme.com": "text"}),
    ("mailto", '<a href="mailto:bob@acme.com">Bob</a>', {"bob@acme.com": "mailto"}),
    ("mailto-subject", '<a href="mailto:bob@acme.com?subject=Hi%20there">x</a>',
     {"bob@acme.com": "mailto"}),
    ("mailto-upper", '<a href="MAILTO:Bob@Acme.COM">x</a>', {"bob@acme.com": "mailto"}),
    ("mailto-several", '<a href="mailto:a@acme.com,b@acme.com">x</a>',
     {"a@acme.com": "mailto", "b@acme.com": "mailto"}),
    ("mailto-to-cc-bcc", '<a href="mailto:?to=a@acme.com&cc=b@acme.com&bcc=c@acme.com">x</a>',
     {"a@acme.com": "mailto", "b@acme.com": "mailto", "c@acme.com": "mailto"}),
    ("mailto-percent", '<a href="mailto:redaktion%40mac%2Dand%2Di.de">x</a>',
     {"redaktion@mac-and-i.de": "mailto"}),
    ("mailto-entities", '<a href="&#109;&#97;&#105;&#108;&#116;&#111;&#58;bob&#64;acme.com">B</a>',
     {"bob@acme.com": "mailto"}),
    ("mailto-doubled", '<a href="mailto:Mailto:bob@acme.com">x</a>', {"bob@acme.com": "mailto"}),
    ("mailto-spaces", '<a href="  mailto: bob@acme.com ">x</a>', {"bob@acme.com": "mailto"}),
    ("link-rel-author", '<link rel="author" href="mailto:bob@acme.com">',
     {"bob@acme.com": "mailto"}),
    ("mailto-beats-text", '<a href="mailto:bob@acme.com">bob@acme.com</a>',
     {"bob@acme.com": "mailto"}),
    ("area-mailto", '<map><area href="mailto:bob@acme.com" alt="mail"></map>',
     {"bob@acme.com": "mailto"}),
    ("entity-decimal", "<p>bob&#64;acme.com</p>", {"bob@acme.com": "entity"}),
    ("entity-hex", "<p>bob&#x40;acme&#x2e;com</p>", {"bob@acme.com": "entity"}),
    ("entity-named", "<p>bob&commat;acme&period;com</p>", {"bob@acme.com": "entity"}),
    ("entity-every-char",
     "<p>&#98;&#111;&#98;&#64;&#97;&#99;&#109;&#101;&#46;&#99;&#111;&#109;</p>",
     {"bob@acme.com": "entity"}),
    ("at-brackets", "<p>bob[at]acme.com</p>", {"bob@acme.com": "obfuscated"}),
    ("at-parens-dot", "<p>info(at)zdh(dot)de</p>", {"info@zdh.de": "obfuscated"}),
    ("at-braces", "<p>bob{at}acme{dot}com</p>", {"bob@acme.com": "obfuscated"}),
    ("at-spaced", "<p>support [at] fairkom.eu</p>", {"support@fairkom.eu": "obfuscated"}),
    ("at-upper-words", "<p>bob AT acme DOT com</p>", {"bob@acme.com": "obfuscated"}),
    ("at-angle", "<p>bob &lt;at&gt; acme &lt;dot&gt; com</p>", {"bob@acme.com": "obfuscated"}),
    ("at-bare-dot-after", "<p>bob [at] acme dot com</p>", {"bob@acme.com": "obfuscated"}),
    ("at-caps-brackets", "<p>bob [AT] acme [DOT] com</p>", {"bob@acme.com": "obfuscated"}),
    ("punkt", "<p>info[at]firma[punkt]de</p>", {"info@firma.de": "obfuscated"}),
    ("punkt-bare", "<p>info (at) firma punkt de</p>", {"info@firma.de": "obfuscated"}),
    ("arroba", "<p>ventas arroba empresa punto com</p>", {"ventas@empresa.com": "obfuscated"}),
    ("arroba-brackets", "<p>ventas(arroba)empresa.es</p>", {"ventas@empresa.es": "obfuscated"}),
    ("chez-point", "<p>contact [chez] societe [point] fr</p>",
     {"contact@societe.fr": "obfuscated"}),
    ("spaced-at-sign", "<p>bob @ acme.com</p>", {"bob@acme.com": "obfuscated"}),
    ("full-width-at", "<p>bob\uff20acme.com</p>", {"bob@acme.com": "obfuscated"}),
    ("cfemail-span",
     '<span class="__cf_email__" data-cfemail="1c7e737e5c7d7f7179327f7371">'
     "[email protected]</span>",
     {"bob@acme.com": "cfemail"}),
    ("cfemail-href", '<a href="/cdn-cgi/l/email-protection#1c7e737e5c7d7f7179327f7371">Mail</a>',
     {"bob@acme.com": "cfemail"}),
    ("jsonld", '<script type="application/ld+json">{"@type":"Organization",'
     '"email":"mailto:info@acme.com"}</script>', {"info@acme.com": "jsonld"}),
    ("jsonld-contactpoint", '<script type="application/ld+json">{"@type":"Organization",'
     '"contactPoint":[{"@type":"ContactPoint","email":"sales@acme.com"}]}</script>',
     {"sales@acme.com": "jsonld"}),
    ("jsonld-broken", '<script type="application/ld+json">{"email": "info@acme.com",}</script>',
     {"info@acme.com": "jsonld"}),
    ("microdata-content", '<meta itemprop="email" content="info@acme.com">',
     {"info@acme.com": "microdata"}),
    ("microdata-text", '<div itemscope><span itemprop="email">info[at]acme.com</span></div>',
     {"info@acme.com": "obfuscated"}),
    ("data-email", '<button data-email="bob@acme.com">Mail</button>',
     {"bob@acme.com": "attribute"}),
    ("title-attr", '<a href="/c" title="Write to bob@acme.com">x</a>',
     {"bob@acme.com": "attribute"}),
    ("aria-label", '<a href="/c" aria-label="bob@acme.com">x</a>', {"bob@acme.com": "attribute"}),
    ("meta-reply-to", '<meta http-equiv="Reply-to" content="office@kath.net">',
     {"office@kath.net": "attribute"}),
    ("script-u0040", "<script>var m = 'bob\\u0040acme.com';</script>", {"bob@acme.com": "script"}),
    ("script-x40", '<script>var m = "bob\\x40acme\\x2ecom";</script>', {"bob@acme.com": "script"}),
    ("script-slash", '<script>document.write("<a href=\\"mailto:bob@acme.com\\">");</script>',
     {"bob@acme.com": "script"}),
    ("script-concat", "<script>var a = 'bo' + 'b' + '@' + 'acme.com';</script>",
     {"bob@acme.com": "script"}),
    ("script-joomla", "<script>var t='&#98;ob'+'&#64;'+'acm&#101;'+'&#46;'+'com';</script>",
     {"bob@acme.com": "script"}),
    ("script-reversed", "<script>d.write('moc.emca@bob'.split('').reverse().join(''))</script>",
     {"bob@acme.com": "reversed"}),
    ("typo3", "<a href=\"javascript:linkTo_UnCryptMailto('nbjmup+cpcAbdnf/dpn');\">x</a>",
     {"bob@acme.com": "script"}),
    ("base64-padded", "<script>m = atob('Ym9iQGFjbWUuY29t');</script>", {"bob@acme.com": "base64"}),
    ("base64-unpadded", "<a onclick=\"location=atob('bWFpbHRvOmFubkBhY21lLmNvbQ')\">x</a>",
     {"ann@acme.com": "base64"}),
    ("rtl-bidi", '<span style="unicode-bidi:bidi-override; direction: rtl;">moc.emca@bob</span>',
     {"bob@acme.com": "reversed"}),
    ("bdo-rtl", '<bdo dir="rtl">moc.emca@nna</bdo>', {"ann@acme.com": "reversed"}),
    ("idn-domain", "<p>info@bücher.de</p>", {"info@xn--bcher-kva.de": "text"}),
    ("punycode-domain", "<p>info@xn--bcher-kva.de</p>", {"info@xn--bcher-kva.de": "text"}),
    ("dedup", "<p>bob@acme.com</p><p>BOB@acme.com</p>", {"bob@acme.com": "text"}),
    ("hidden-div-still-published", '<div style="display:none">bob@acme.com</div>',
     {"bob@acme.com": "text"}),
]

# (id, html) — nothing on these pages is a published address.
NOT_FOUND = [
    ("prose-at", "<p>Reach the team at acme.com for details.</p>"),
    ("prose-at-dot", "<p>Meet me at the station dot com</p>"),
    ("asset-2x", '<img src="logo@2x.png"><p>logo@2x.png icon@3x.webp</p>'),
    ("asset-zip", "<p>bundle@2x.zip and file@1.5x.jpg</p>"),
    ("asset-srcset", '<img srcset="/img/hero@2x.jpg 2x">'),
    ("npm-version", "<p>npm i lodash@4.17.21</p>"),
    ("npm-scoped", "<p>@scope/pkg@1.0.0 and react@18.2.0</p>"),
    ("npm-prerelease", "<p>vue@3.0.0-beta.1</p>"),
    ("cdn-url", '<script src="https://cdn.jsdelivr.net/npm/jquery@3.6.0/dist/jquery.min.js">'
     "</script>"),
    ("sentry-dsn", "<script>Sentry.init({dsn:'https://abc123def456@o123.ingest.sentry.io/1'})"
     "</script>"),
    ("sentry-hex", "<p>https://0123456789abcdef0123456789abcdef@sentry.example.org/42</p>"),
    ("sentry-meta", '<meta name="sentry-trace" content="k=de5ce8f509e7458780cbb83f5b040bf0@'
     'o1.ingest.sentry.io">'),
    ("git-remote", "<pre>git clone git@github.com:org/repo.git</pre>"),
    ("url-userinfo", "<p>ftp://user:pw@files.acme.com/x and https://bob@acme.com/</p>"),
    ("query-string", "<p>https://acme.com/track?email=bob@acme.com&x=1</p>"),
    ("percent-40", '<a href="https://t.acme.com/c?u=bob%40acme.com">x</a>'),
    ("iframe-src", '<iframe src="https://calendar.google.com/embed?src=dhbc%40acme.gov.gy">'
     "</iframe>"),
    ("social-handle", "<p>Follow @acme on Twitter and @acme.com fans</p>"),
    ("medium-handle", '<a href="https://medium.com/@pippin/post">x</a>'),
    ("css-at-rule", "<style>@media (max-width:1px){a{b:c}} @import url(x.css);</style>"),
    ("css-inline", '<div style="x:y">@font-face</div>'),
    ("example-com", "<p>bob@example.com info@example.org a@example.net</p>"),
    ("reserved-tlds", "<p>a@acme.test b@acme.invalid c@box.local d@host.localhost e@x.example</p>"),
    ("your-domain", "<p>info@yourdomain.com and you@yourcompany.com</p>"),
    ("domain-com", "<p>name@domain.com or user@email.com</p>"),
    ("sample-locals", "<p>you@acme.com your.name@acme.com firstname.lastname@acme.com</p>"),
    ("sample-de", "<p>vorname.nachname@firma.de max.mustermann@firma.de</p>"),
    ("placeholder-attr", '<input type="email" placeholder="you@acme.com">'),
    ("placeholder-attr2", '<input placeholder="bob@acme.com" name="e">'),
    ("hidden-input", '<input type="hidden" name="list" value="list@acme.com">'),
    ("html-comment", "<!-- contact bob@acme.com --><p>hello</p>"),
    ("comment-obfuscated", "<!-- jobs{at}acme.com --><p>hello</p>"),
    ("bad-tld", "<p>bob@acme.notatld and ann@acme.c</p>"),
    ("numeric-tld", "<p>bob@10.0.0.1</p>"),
    ("no-dot", "<p>bob@localhost root@server</p>"),
    ("long-local", "<p>" + "a" * 65 + "@acme.com</p>"),
    ("long-label", "<p>bob@" + "a" * 64 + ".com</p>"),
    ("long-domain", "<p>bob@" + ".".join(["abcdefghi"] * 30) + ".com</p>"),
    ("double-dot", "<p>bob..smith@acme.com</p>"),
    ("hyphen-label", "<p>bob@-acme.com</p>"),
    ("json-state", '<script type="application/json">{"email":"bob@acme.com"}</script>'),
    ("style-text", "<style>/* bob@acme.com */</style>"),
    ("noreply", "<p>noreply@acme.com</p>"),
    ("empty-mailto", '<a href="mailto:">x</a><a href="mailto:?subject=hi">y</a>'),
    ("at-only", "<p>@ @@ @@@ a@ @b</p>"),
    ("version-handle", "<p>Python@3.11 node@v18</p>"),
    ("telemetry-label", "<p>key@o450.ingest.us.sentry.io</p>"),
    ("hex-key", "<p>5f2b4c9e8d7a6b5c4d3e2f1a0b9c8d7e@acme.com</p>"),
    ("retina-dash", "<p>image@2x-large.png</p>"),
    ("script-src-only", '<script src="/app.js?v=1@2"></script>'),
    ("prose-chez", "<p>dîner chez paul ce soir</p>"),
]

TEXT_CASES = [
    ("text-plain", "Mail info@acme.com now", {"info@acme.com": "text"}),
    ("text-obfuscated", "info [at] acme [dot] com", {"info@acme.com": "obfuscated"}),
    ("text-both", "a@acme.com, b(at)acme.com", {"a@acme.com": "text", "b@acme.com": "obfuscated"}),
    ("text-prose", "see the team at acme.com", {}),
    ("text-empty", "", {}),
]


@pytest.mark.parametrize(("html", "expected"), [c[1:] for c in FOUND], ids=[c[0] for c in FOUND])
def test_finds_address_with_method(html: str, expected: dict[str, str]) -> None:
    findings = extract_emails(html)
    assert {f.email: f.method for f in findings} == expected


@pytest.mark.parametrize("html", [c[1] for c in NOT_FOUND], ids=[c[0] for c in NOT_FOUND])
def test_rejects_lookalikes(html: str) -> None:
    assert extract_emails(html) == []


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in TEXT_CASES], ids=[c[0] for c in TEXT_CASES]
)
def test_extracts_from_plain_text(text: str, expected: dict[str, str]) -> None:
    assert {f.email: f.method for f in extract_emails_from_text(text)} == expected


def test_case_table_is_large() -> None:
    assert len(FOUND) + len(NOT_FOUND) + len(TEXT_CASES) >= 100
