"""Tests for addresses written in words (prose, spelled, words): what is read and what is not."""

from __future__ import annotations

import time

import pytest

from scrapersky.scraping.emails import extract_emails, extract_emails_from_text, prose, spelled

# (id, text, addresses found in it, all by the "obfuscated" method)
SPELLED = [
    ("en-words", "jane at acme dot com", {"jane@acme.com"}),
    ("en-three-labels", "Email: mokafor at cs dot ardenvale dot edu", {"mokafor@cs.ardenvale.edu"}),
    ("en-sentence", "Please write to anna at acme dot co dot uk today.", {"anna@acme.co.uk"}),
    ("en-parens", "hello (at) thistle (dot) co (dot) uk", {"hello@thistle.co.uk"}),
    ("en-brackets-mixed", "bob [at] acme dot com", {"bob@acme.com"}),
    ("en-spaced-brackets", "vorstand [ at ] verein { dot } de", {"vorstand@verein.de"}),
    ("en-capitals", "INFO AT ACME DOT COM", {"info@acme.com"}),
    ("en-capitals-real-dots", "bookings AT redfern.com.au", {"bookings@redfern.com.au"}),
    ("en-field-real-dots", "E-mail: jane at acme.com", {"jane@acme.com"}),
    ("en-line-real-dots", "Box office\nboxoffice at theatre.org\n", {"boxoffice@theatre.org"}),
    ("en-angle-real-dots", "Authors: Tom Reid <treid at brightline.org>", {"treid@brightline.org"}),
    ("en-coded-local-real-dots", "Write to m.brandt at brandt-arch.de soon",
     {"m.brandt@brandt-arch.de"}),
    ("en-spelled-local-dot", "p dot ramirez at cs dot uni dot edu", {"p.ramirez@cs.uni.edu"}),
    ("en-spelled-local-dot-bracketed", "anna dot berg [at] acme [dot] se", {"anna.berg@acme.se"}),
    ("en-spelled-local-dot-joined", "anna(dot)berg(at)acme(dot)se", {"anna.berg@acme.se"}),
    ("en-spelled-local-dot-bare", "anna dot berg(at)acme.se", {"anna.berg@acme.se"}),
    ("en-spaced-real-dot", "info @ acme . com", {"info@acme.com"}),
    ("real-at-dot-word", "press@harbourlight dot org", {"press@harbourlight.org"}),
    ("real-at-bracket-dot", "info@acme[dot]com", {"info@acme.com"}),
    ("two-in-a-row", "info at acme dot com or sales at acme dot com",
     {"info@acme.com", "sales@acme.com"}),
    ("email-us-at", "Email us at info at acme dot com", {"info@acme.com"}),
    ("wrapped-underscore", "jane_at_acme_dot_com", {"jane@acme.com"}),
    ("wrapped-hash", "jane#at#acme#dot#com", {"jane@acme.com"}),
    ("de-punkt", "E-Mail: info (at) baeckerei punkt de", {"info@baeckerei.de"}),
    ("de-punkt-then-words", "info (at) firma punkt de oder telefonisch", {"info@firma.de"}),
    ("de-klammeraffe", "info{klammeraffe}firma.de", {"info@firma.de"}),
    ("fr-arobase", "contact arobase atelier point fr", {"contact@atelier.fr"}),
    ("fr-chez", "Écrivez à contact chez atelier point fr", {"contact@atelier.fr"}),
    ("es-arroba", "reservas arroba casarural punto es", {"reservas@casarural.es"}),
    ("es-arroba-brackets", "info(arroba)casarural.es", {"info@casarural.es"}),
    ("it-chiocciola", "Il nostro indirizzo è info chiocciola belpoggio punto it",
     {"info@belpoggio.it"}),
    ("pt-ponto", "comercial arroba campoverde ponto com ponto br", {"comercial@campoverde.com.br"}),
    ("nl-apenstaartje", "info(apenstaartje)bakkerij(punt)nl", {"info@bakkerij.nl"}),
    ("pl-malpa", "biuro małpa kancelaria kropka pl", {"biuro@kancelaria.pl"}),
    ("pl-malpa-brackets", "biuro(małpa)kancelaria.pl", {"biuro@kancelaria.pl"}),
    ("sv-snabel-a", "Skriv till offert snabel-a snickeri punkt se så svarar vi",
     {"offert@snickeri.se"}),
    ("da-punktum", "klinik(snabel-a)tandlaege(punktum)dk", {"klinik@tandlaege.dk"}),
    ("no-krollalfa", "post [krøllalfa] regnskap [punktum] no", {"post@regnskap.no"}),
    ("fi-a", "toimisto(a)tilitoimisto.fi", {"toimisto@tilitoimisto.fi"}),
    ("fi-piste", "myynti [ät] tilitoimisto [piste] fi", {"myynti@tilitoimisto.fi"}),
    ("cs-zavinac", "objednavky zavináč pekarna tečka cz", {"objednavky@pekarna.cz"}),
    ("ru-sobaka", "info собака stroygrad точка ru", {"info@stroygrad.ru"}),
    ("ja-full-width", "info＠yamada．co．jp", {"info@yamada.co.jp"}),
    ("ja-katakana", "採用：recruit アット yamada ドット co ドット jp", {"recruit@yamada.co.jp"}),
    ("ja-katakana-joined", "infoアットyamada.co.jp", {"info@yamada.co.jp"}),
    ("ja-brackets", "info【at】yamada.co.jp", {"info@yamada.co.jp"}),
    ("zh-aite-dian", "商务合作：bd艾特huaxin点cn", {"bd@huaxin.cn"}),
    ("zh-ideographic-stop", "service＠huaxin。cn", {"service@huaxin.cn"}),
    ("zh-traditional-dot", "service 艾特 huaxin 點 com 點 tw", {"service@huaxin.com.tw"}),
    ("footer-spaced-dots", "Hauptstraße 14 . 72070 Tübingen . info(at)baeckerei.de",
     {"info@baeckerei.de"}),
    ("footer-middle-dots", "Berlin · info(at)firma.de · Tel. 030 1234", {"info@firma.de"}),
    ("circled-a", "info ⓐ acme.com", {"info@acme.com"}),
    ("middle-dot", "info@acme·com", {"info@acme.com"}),
]

# (id, text): sentences and phrases that must not become addresses.
PROSE = [
    ("harbour-dot-five", "meet us at the harbour dot five minutes before the start"),
    ("booth", "we are at booth 12 at the boat show"),
    ("look-at-site", "Look at our site.com page for the results."),
    ("team-at-site", "Reach the team at acme.com for details."),
    ("tickets-at-site", "Tickets at eventpass.com sold out."),
    ("available-at", "Available at amazon.co.uk and at all good bookshops."),
    ("works-at", "He works at harbour-marine.com as a rigger."),
    ("dot-com-boom", "Back at the dot com boom the club had 40 members."),
    ("noon-dot", "Dinner at eight. Dot the i's on your entry form."),
    ("time", "The race started at 10.30 sharp."),
    ("spoken-url-more", "Learn more at npr dot org."),
    ("spoken-url-us", "And visit us at brightwater dot com."),
    ("spoken-url-up", "Sign up at brightwater dot com slash join."),
    ("spoken-url-online", "Find the show notes online at brightwater dot com."),
    ("more-info-at", "More info at the-tide-project dot org"),
    ("determiner", "Say hello to the team at acme dot com"),
    ("capitals-us", "VISIT US AT ACME.COM"),
    ("capitals-banner", "TICKETS AT TICKETHALL.COM"),
    ("point-de-vente", "Rendez-vous chez Paul point de vente du marché"),
    ("punto-de-venta", "info@tienda punto de venta"),
    ("point-final", "Dîner chez nous point final."),
    ("chez-real-dot", "Disponible chez nature.fr et en magasin, l'été."),
    ("arroba-weight", "A arroba do boi gordo fechou a R$ 310; preço por arroba no MT."),
    ("legal-letter", "Art. 6 Abs. 1 lit. (a) DSGVO sowie § 5 (a) AGB"),
    ("ja-surprise", "あっと驚くWiFi完備の宿。どっと疲れたらアットホームな部屋へ。"),
    ("zh-time", "下午3点30分开始，Check-in点com合作"),
    ("pl-monkey", "Nasza małpa Fela i kropka."),
    ("ru-dog", "наша собака на выставке, точка сбора у входа"),
    ("stay-at-home", "stay-at-home.com and www.eat-at-joes.com"),
    ("handle-dot", "Follow @acme dot com for news"),
    ("catalan-l-l", "info@col·legi.cat"),
    ("no-dot-at-all", "jane at acme"),
    ("capitalised-after-spaced-dot", "Mail info@acme . Tel 0711 123456"),
    ("capitalised-after-dot-word", "Write to jane at acme dot Next week we open."),
    ("word-tail-before-at", "Wir sind in Tübingen at acme.de"),
    ("version-at-url", "Released v2.0 at github.com/acme and node.js at npmjs.com/x"),
]


def _found(text: str) -> dict[str, str]:
    return {finding.email: finding.method for finding in extract_emails_from_text(text)}


@pytest.mark.parametrize(("text", "expected"), [row[1:] for row in SPELLED],
                         ids=[row[0] for row in SPELLED])
def test_spelled_addresses_are_read(text: str, expected: set[str]) -> None:
    found = _found(text)
    assert set(found) == expected
    assert set(found.values()) <= {"obfuscated"}


@pytest.mark.parametrize("text", [row[1] for row in PROSE], ids=[row[0] for row in PROSE])
def test_sentences_do_not_become_addresses(text: str) -> None:
    assert _found(text) == {}


def test_complete_host_is_not_extended_by_a_separator_after_it() -> None:
    assert _found("info@acme.com · tel") == {"info@acme.com": "text"}
    assert _found("info@acme.com·tel") == {"info@acme.com": "text"}


def test_each_refusal_has_a_near_twin_that_is_read() -> None:
    pairs = [
        ("Visit us at acme dot com", "Write to lena at acme dot com"),
        ("the team at acme dot com", "Contact: team at acme dot com"),
        ("Tickets at acme.com", "E-mail: tickets at acme.com"),
        ("info@tienda punto de venta", "info@tienda punto de"),
        ("VISIT US AT ACME DOT COM", "WRITE TO INFO AT ACME DOT COM"),
        ("TICKETS AT ACME.COM", "tickets AT acme.com"),
    ]
    for refused, read in pairs:
        assert _found(refused) == {}, refused
        assert len(_found(read)) == 1, read


def test_html_inline_markup_joins_but_blocks_separate() -> None:
    joined = extract_emails("<p><b>jane</b> at <i>acme</i> dot com</p>")
    assert [(f.email, f.method) for f in joined] == [("jane@acme.com", "obfuscated")]
    assert extract_emails("<p>jane</p><p>at acme dot com</p>") == []


def test_found_address_keeps_its_spelled_context() -> None:
    [finding] = extract_emails_from_text("Lab contact: mokafor at cs dot ardenvale dot edu")
    assert "mokafor@cs.ardenvale.edu" in finding.context


def test_plain_text_without_spelling_is_left_alone() -> None:
    assert prose.deobfuscate("We met at the harbour at noon.") is None
    assert prose.deobfuscate("Write to info@acme.com.") is None


def test_ordinary_prose_does_not_need_the_visible_text_built() -> None:
    for text in ("We met at the harbour at noon.", "Look at our site (see above).",
                 "Dîner chez Paul. Point final.", "At 5 we left the harbour."):
        assert not prose.may_yield_address(text), text
    for text in ("jane at acme dot com", "info(a)acme.fi", "bd艾特huaxin点cn", "x at a.b"):
        assert prose.may_yield_address(text), text


def test_split_domain_names_labels_and_spellings() -> None:
    assert spelled.split_domain("cs dot uni [dot] edu") == (["cs", "uni", "edu"], ["dot", "[dot]"])
    assert spelled.split_domain("yamada．co．jp") == (["yamada", "co", "jp"], ["．", "．"])


ADVERSARIAL = {
    "spaced-at": " at " * 50_000,
    "at-dot-chain": "a at b dot " * 20_000,
    "local-dots": "jane dot " * 30_000 + "x at acme dot com",
    "host-dots": "x@a dot " * 30_000,
    "long-host": "x@" + "a dot " * 60_000,
    "capitals": "X AT " * 50_000,
    "cjk": "aアットb点" * 40_000,
    "bracket-a": "x(a)" * 50_000,
    "wrapped": "x_at_y_dot_" * 30_000,
    "repeated-address": "jane at acme dot com " * 20_000,
    "chez": "é x chez y point " * 20_000,
}


@pytest.mark.parametrize("payload", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_adversarial_spellings_finish_fast(payload: str) -> None:
    start = time.perf_counter()
    extract_emails_from_text(payload)
    extract_emails(payload)
    assert time.perf_counter() - start < 1.0
