"""Decoding bodies: the text a person reads, whatever the header, meta or BOM claim."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scrapersky.scraping import bodies
from scrapersky.scraping.bodies import decode_body, web_codec
from scrapersky.scraping.emails import analyse_html

CHARSET_CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "families" / "charset"
NON_TEXT_CODECS = ("zlib_codec", "zlib", "base64_codec", "base64", "hex_codec", "hex",
                   "bz2_codec", "rot13", "rot_13", "uu_codec", "quopri_codec", "undefined",
                   "unicode_escape", "raw_unicode_escape", "utf-7", "idna", "punycode")

GERMAN = "Schöne Grüße aus Görlitz – „Frisch gebacken“ seit 1921. Frau Jürgens: torten@koehler.de"
FRENCH = "Au cœur de la Côte-d’Or, écrivez à Mme Hélène Lefèvre : reservation@chateau-beaune.fr"
SPANISH = "¿Necesita cita? Escriba a la Dra. Begoña Íñiguez: citas@clinicapenalver.es"
DUTCH = "Café ’t Hoekje: mail Geertje van ’t Hof, “binnen één werkdag”: info@cafe-hoekje.nl"
POLISH = "Księgowość Łódź: pani Małgorzata Wąsik-Żurawska, biuro@ksiegowosc-lodz.pl"
CZECH = "Objednávky vyřizuje paní Růžena Dvořáková v Českých Budějovicích: info@dvorak.cz"
TURKISH = "İhracat sorumlumuz Şükrü Güneş, Atatürk Cad. İzmir: ihracat@ozgurtekstil.com.tr"
RUSSIAN = ("Отдел продаж: Анна Сергеевна Ковалёва, заказы по почте zakaz@pechatny-dvor.ru, "
           "работаем с понедельника по пятницу, доставка по всей России.")
GREEK = ("Για κρατήσεις επικοινωνήστε με την κυρία Ελένη Παπαδοπούλου στο "
         "reservations@aigaio-santorini.gr ή στο τηλέφωνο.")
JAPANESE = ("製品に関するご質問・お見積りのご依頼は、営業部　山田太郎宛に sales@sakura-seiki.co.jp "
            "までご連絡ください。平日９時～１７時")
CHINESE = ("深圳市喆华电子有限公司　销售经理：王喆 先生　电子邮箱：sales@zhehua-dianzi.cn　"
           "欢迎来电咨询")
TAIWANESE = ("永豐文具行　門市聯絡人：許美玲 小姐　電子郵件：service@yongfeng.com.tw　"
             "營業時間：週一至週六")


def page(text: str, meta: str = "") -> str:
    """Return a small contact page around text, with an optional <meta> charset."""
    head = f'<meta charset="{meta}">' if meta else ""
    return f"<!DOCTYPE html><html><head>{head}<title>Kontakt</title></head><body><p>{text}</p>" \
           "</body></html>"


# (page text, codec that makes the bytes, Content-Type header, <meta> charset)
CASES = {
    "header utf-8 over windows-1252": (GERMAN, "cp1252", "text/html; charset=utf-8", ""),
    "meta utf-8 over windows-1252": (FRENCH, "cp1252", "text/html", "utf-8"),
    "header latin-1 over utf-8": (SPANISH, "utf-8", "text/html; charset=ISO-8859-1", "utf-8"),
    "latin-1 label is windows-1252": (DUTCH, "cp1252", "text/html; charset=latin1", ""),
    "header utf-8, meta windows-1250": (POLISH, "cp1250", "text/html; charset=UTF-8",
                                        "windows-1250"),
    "declared iso-8859-2": (CZECH, "iso-8859-2", "text/html", "iso-8859-2"),
    "header utf-8, meta windows-1254": (TURKISH, "cp1254", "text/html; charset=utf-8",
                                        "windows-1254"),
    "header latin-1, meta windows-1251": (RUSSIAN, "cp1251", "text/html; charset=iso-8859-1",
                                          "windows-1251"),
    "header latin-1 over windows-1251": (RUSSIAN, "cp1251", "text/html; charset=iso-8859-1", ""),
    "undeclared koi8-r": (RUSSIAN, "koi8-r", "text/html", ""),
    "header utf-8 over windows-1253": (GREEK, "cp1253", "text/html; charset=utf-8", ""),
    "header utf-8 over shift_jis": (JAPANESE, "cp932", "text/html; charset=utf-8", ""),
    "meta shift_jis is windows-31j": (JAPANESE, "cp932", "text/html", "Shift_JIS"),
    "declared euc-jp": (JAPANESE.replace("～", "〜"), "euc_jp", "text/html", "EUC-JP"),
    "declared iso-2022-jp": (JAPANESE.replace("～", "〜"), "iso2022_jp", "text/html",
                             "iso-2022-jp"),
    "meta gb2312 over gbk": (CHINESE, "gbk", "text/html", "gb2312"),
    "undeclared big5": (TAIWANESE, "big5", "text/html", ""),
}


@pytest.mark.parametrize(("text", "codec", "content_type", "meta"), CASES.values(), ids=CASES)
def test_page_decodes_to_the_text_a_person_reads(text: str, codec: str, content_type: str,
                                                 meta: str) -> None:
    html = page(text, meta)
    decoded = decode_body(html.encode(codec), content_type)
    assert decoded == html
    assert "\ufffd" not in decoded


def test_utf8_page_with_a_stray_windows_1252_byte_keeps_both() -> None:
    body = page("Größinger – Mo bis Sa").encode().replace("–".encode(), b"\x96")
    assert decode_body(body, "text/html; charset=utf-8") == page("Größinger – Mo bis Sa")


def test_utf8_cut_inside_a_character_loses_only_that_character() -> None:
    whole = page("Grüße aus Köln").encode()
    body = whole[:whole.index("ö".encode()) + 1]  # a size limit cut "ö" in half
    assert decode_body(body, "text/html; charset=utf-8").endswith("<p>Grüße aus K")


def test_windows_1252_bytes_it_leaves_undefined_are_not_replacement_characters() -> None:
    body = page(GERMAN).encode("cp1252").replace(b"Frau", b"\x81Frau")
    decoded = decode_body(body, "text/html; charset=latin-1")
    assert decoded == page(GERMAN.replace("Frau", "\x81Frau"))  # U+0081, as browsers show it


@pytest.mark.parametrize("label", NON_TEXT_CODECS)
def test_non_text_codec_label_is_unknown_and_never_raises(label: str) -> None:
    body = page(GERMAN).encode("cp1252")
    assert decode_body(body, f"text/html; charset={label}") == page(GERMAN)
    assert decode_body(page(GERMAN, meta=label).encode("cp1252"), "text/html") \
        == page(GERMAN, meta=label)
    assert web_codec(label) is None


@pytest.mark.parametrize(("bom", "codec"), [
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
])
def test_bom_wins_over_header_and_meta(bom: bytes, codec: str) -> None:
    html = page("Beställ tårta hos Åsa Öberg: bestallning@akerstrom.se", meta="windows-1252")
    decoded = decode_body(bom + html.encode(codec), "text/html; charset=iso-8859-1")
    assert decoded == html


@pytest.mark.parametrize(("label", "codec"), [
    ("ISO-8859-1", "cp1252"), ("latin1", "cp1252"), ("US-ASCII", "cp1252"),
    ("windows-1252", "cp1252"), ("gb2312", "gb18030"), ("GBK", "gb18030"),
    ("Shift_JIS", "cp932"), ("x-sjis", "cp932"), ("big5", "big5hkscs"), ("euc-kr", "cp949"),
    ("iso-8859-9", "cp1254"), ("windows-874", "cp874"), ("iso-8859-8-i", "iso8859-8"),
    ("UTF8", "utf-8"), ("'utf-8'", "utf-8"), ("x-user-defined", "cp1252"), ("koi8-r", "koi8-r"),
    ("utf-16", "utf-16-le"), ("nonsense-42", None), ("", None),
])
def test_labels_map_to_the_encoding_browsers_use(label: str, codec: str | None) -> None:
    assert web_codec(label) == codec


@pytest.mark.parametrize(("body", "content_type"), [
    (page("Office hours 9-5, contact office@harbour.co.uk").encode(), "text/html"),
    (page(GERMAN).encode(), "text/html; charset=utf-8"),
    (page(GERMAN, meta="windows-1252").encode(), "text/html; charset=ISO-8859-1"),
    (page(JAPANESE, meta="Shift_JIS").encode(), "text/html; charset=zlib_codec"),
])
def test_ascii_and_valid_utf8_pages_never_run_detection(
        monkeypatch: pytest.MonkeyPatch, body: bytes, content_type: str) -> None:
    def no_detection(*args: object, **kwargs: object) -> None:
        raise AssertionError("detection ran on a valid UTF-8 page")

    monkeypatch.setattr(bodies, "from_bytes", no_detection)
    assert decode_body(body, content_type) == body.decode()


def test_detection_runs_only_when_no_declaration_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    real_from_bytes = bodies.from_bytes

    def counting_from_bytes(sample: bytes, **options: object) -> object:
        calls.append(sample)
        return real_from_bytes(sample, **options)

    monkeypatch.setattr(bodies, "from_bytes", counting_from_bytes)
    assert decode_body(page(POLISH, "windows-1250").encode("cp1250"), "text/html") \
        == page(POLISH, "windows-1250")
    assert calls == []
    assert decode_body(page(RUSSIAN).encode("koi8-r"), "text/html") == page(RUSSIAN)
    assert len(calls) == 1


def test_mis_declared_page_yields_an_address_with_readable_context() -> None:
    labels = json.loads((CHARSET_CORPUS / "labels.json").read_text(encoding="utf-8"))
    case = labels["02-meta-utf8-lies-french.html"]
    body = (CHARSET_CORPUS / "02-meta-utf8-lies-french.html").read_bytes()
    html = decode_body(body, case["content_type"])
    findings = analyse_html(html, case["url"], urlsplit(case["url"]).hostname).findings
    assert [finding.email for finding in findings] == ["reservation@vieux-chateau-beaune.fr"]
    assert "écrivez à Mme Hélène Lefèvre" in findings[0].context
    assert "\ufffd" not in findings[0].context
