"""Word tables: how '@' and '.' are spelled in words and look-alike characters, by language.

Tables (and the one helper that turns a table into a regex alternation); prose.py and
spelled.py build their patterns from them. Where each name comes from is noted in
tests/corpus/families/prose/SOURCES.md.
"""

from __future__ import annotations

import re

# Read as '@' inside brackets ("[at]", "(małpa)", "【アット】"); "a" only as "(a)" or "[a]".
BRACKETED_AT_WORDS = (
    "at", "ät", "@",  # English, German/Finnish/Estonian "ät"
    "arroba", "arobase", "chez",  # Spanish, Portuguese, Catalan; French
    "klammeraffe", "chiocciolina", "chiocciola",  # German; Italian
    "apenstaartje", "apestaartje", "apenstaart", "apestaart",  # Dutch
    "małpa", "malpa", "snabel-a", "snabela", "krøllalfa", "krollalfa",  # Polish; Nordic
    "miukumauku", "zavináč", "zavinac", "собачка", "собака",  # Finnish; Czech; Russian
    "アットマーク", "アット", "あっとまーく", "あっと", "艾特",  # Japanese; Chinese
)
# Never ordinary prose, so read as '@' wherever they stand between spaces.
BARE_AT_WORDS = ("arroba", "arobase")
# Japanese and Chinese words for '@', read wherever they stand (no spaces in CJK text).
CJK_AT_WORDS = ("アットマーク", "アット", "あっとまーく", "あっと", "艾特")
# (probe, words): a word is looked for only if the page holds its cheap single-char probe.
CJK_AT_PROBES = (("ッ", ("アット",)), ("あ", ("あっと",)), ("艾", ("艾特",)))
# Ordinary words that also stand for '@' between spaces; spelled.py decides when they do.
SPACED_AT_WORDS = (" at ", " AT ")
# (probes, words): the other languages' words are looked for only on pages holding one of
# the letters their language writes on nearly every page; other pages pay a fast find each.
SPACED_AT_PROBES = (
    ("éà", (" chez ",)), ("èà", (" chiocciola ",)), ("łę", (" małpa ", " malpa ")),
    ("čř", (" zavináč ", " zavinac ")), ("о", (" собака ",)), ("å", (" snabel-a ",)),
    ("ø", (" krøllalfa ",)),
)
AT_LOOKALIKES = "\uff20\ufe6b\u24b6\u24d0"  # ＠ ﹫ Ⓐ ⓐ

# Words for '.'; bracketed or between spaces after an '@' or an at-word.
DOT_WORDS = (
    "dot", "punkt", "point", "punto", "ponto", "punt", "kropka", "punktum", "prik",
    "piste", "tečka", "tecka", "точка",
)
BRACKETED_ONLY_DOT_WORDS = ("pkt", "period", "full stop")
CJK_DOT_WORDS = ("ドット", "どっと", "点", "點")
DOT_LOOKALIKES = "\uff0e\uff61\u3002\u2024\u00b7"  # ． ｡ 。 ․ · (never the l·l of Catalan)

# Two-letter labels that are also words of a dot word's own language: after that dot word
# and before more words they read as prose ("point de vente", "punto de venta").
PROSE_AFTER_DOT_WORD = {
    "dot": frozenset({"at", "in", "to", "is", "be", "me", "us", "so", "my", "it", "as",
                      "by", "no", "do", "am", "on"}),
    "point": frozenset({"de", "la", "le", "et", "en"}),
    "punto": frozenset({"de", "la", "es", "en"}),
    "ponto": frozenset({"de", "do", "no", "na", "em"}),
    "punt": frozenset({"de", "in", "en"}),
    "punkt": frozenset({"in", "am"}),
    "kropka": frozenset({"to", "na", "do"}),
}

# Function words and verbs that stand around "at" in sentences: never the name before a
# spelled-out at-word, nor a label of the domain after it ("meet us at the ...").
SENTENCE_WORDS = frozenset("""
a an the this that these those my our your his her their its me us you him them we they
it i he she one is are was were be been am and or but nor to of in on for with by from as
so if not no all any some more most up out here there now then online only also just
again back look looking meet meeting stay arrive arrived available located based work
works worked working live lives lived found held open opens see find visit visiting join
sign learn read shop buy order book apply register donate subscribe watch listen stream
play eat dine call come came go went get got stop aim aimed laugh laughed smile stare
de la le les du des un une et en nous vous moi chez el los las y es una por da do das
dos em no na um uma o os der die das den dem ein eine und im am zu bei il lo gli di che
het een van op w z i na do po się
""".split())
# Words that make the next word part of a noun phrase ("the team at ...", "more info at").
DETERMINERS = frozenset("""
the a an our your my his her their its this that these those some any every each no more
for of le la les un une des du el los las una der die das den dem ein eine einen il lo
gli het een
""".split())
# Labels and marks that open an address field: "E-mail: jane at x.com", "Jo <jo at x.org>".
FIELD_LABELS = frozenset("""
e-mail email mail e-post epost courriel mél correo sähköposti contact kontakt contacto
contatto adres address adresse
""".split())
FIELD_OPENERS = ":：(（[|•–—-<＜"


def alternation(words: tuple[str, ...]) -> str:
    """Return a regex alternation of words, longest first so none shadows a longer one."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
