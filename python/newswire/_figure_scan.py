"""Finding figures on the word diff's tokens (core/src/figures.cc).

A figure is [sign] [currency] NUMBER [multiplier] [unit], or with the
currency in the unit's place ("12,50 €"); docs/wire-protocol.md, "Figure
changes", states the grammar. Positions are ``str`` indices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from . import _tokens
from ._figure_value import (NOT_KANJI_NUMERAL, digit_value, kanji_numeral_value,
                            parse_figure_value, scale_value, separator_mark)


@dataclass(frozen=True)
class Figure:
    """A number or numeric expression as written, with its value.

    ``value`` is an exact decimal in ASCII with the sign and multiplier
    applied ("180000000000", "-0.8"); a percentage keeps its number ("3.2"
    with unit "%"); empty when the number cannot be read unambiguously.
    ``unit`` is "%", "‰", "bp", "pp", an ISO 4217 currency code or empty.
    ``begin`` and ``end`` are ``str`` indices into the text it was found in.
    """

    text: str
    value: str
    unit: str
    begin: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    def to_dict(self) -> dict[str, str]:
        """As ``newswire tail --json`` writes it: text, value, unit."""
        return {"text": self.text, "value": self.value, "unit": self.unit}


class Kind(Enum):
    SPACE = 0
    DIGITS = 1  # Decimal digits only (a U+202F inside may group them).
    DIGITS_SUFFIX = 2  # Digits, then a known multiplier or unit suffix: "3bn", "25bps".
    KANJI = 3  # Kanji numerals only.
    SEPARATOR = 4  # One comma, full stop or apostrophe.
    SIGN = 5
    CURRENCY = 6  # One currency symbol.
    PERCENT = 7
    WORD = 8  # Anything with a letter in it.
    OTHER = 9


@dataclass
class _Tok:
    begin: int
    end: int
    kind: Kind = Kind.OTHER
    digits_end: int = 0  # DIGITS_SUFFIX: where the suffix starts.
    first: int = 0  # First and last code points.
    last: int = 0


# A letter suffix of a number token: (power of ten, unit).
_SUFFIXES = {"k": (3, ""), "m": (6, ""), "mn": (6, ""), "mln": (6, ""), "b": (9, ""),
             "bn": (9, ""), "bln": (9, ""), "tn": (12, ""), "trn": (12, ""), "pct": (0, "%"),
             "bp": (0, "bp"), "bps": (0, "bp"), "pp": (0, "pp"), "ppt": (0, "pp")}
_SIGNS = frozenset("-+\u2212\uff0b\uff0d\u25b2\u25b3")
_MINUS = frozenset("-\u2212\uff0d\u25b2\u25b3")
_DOLLARS = {"": "USD", "US": "USD", "HK": "HKD", "A": "AUD", "C": "CAD", "S": "SGD", "NT": "TWD",
            "NZ": "NZD", "R": "BRL"}
_SYMBOLS = {"\u20ac": "EUR", "\u00a3": "GBP", "\uffe1": "GBP", "\u20a9": "KRW", "\uffe6": "KRW",
            "\u20b9": "INR", "\u0e3f": "THB", "\u20bd": "RUB", "\u20a3": "CHF"}
_ISO_CODES = frozenset("AUD CAD CHF CNY EUR GBP HKD IDR INR JPY KRW SGD THB TWD USD NZD".split())
# Unit words after a number and one space (lower case), and their units.
_UNIT_WORDS = {"percent": "%", "pct": "%", "bp": "bp", "bps": "bp", "pp": "pp", "yen": "JPY",
               "dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR", "yuan": "CNY",
               "renminbi": "CNY", "won": "KRW", "baht": "THB", "rupee": "INR",
               "rupees": "INR", "pound": "GBP", "pounds": "GBP", "sterling": "GBP",
               "francs": "CHF", "ringgit": "MYR", "rupiah": "IDR", "peso": "", "pesos": ""}
# Units written right after the number in CJK and Thai text, in the order tried.
_GLUED_UNITS = (("円", "JPY"), ("ドル", "USD"), ("ユーロ", "EUR"), ("元", "CNY"),
                ("人民元", "CNY"), ("ウォン", "KRW"), ("バーツ", "THB"), ("ポンド", "GBP"),
                ("ルピー", "INR"), ("เยน", "JPY"), ("บาท", "THB"), ("ดอลลาร์", "USD"),
                ("เปอร์เซ็นต์", "%"), ("ยูโร", "EUR"))
_MULTIPLIER_WORDS = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12, "bn": 9, "mn": 6,
                     "mln": 6, "tn": 12, "lakh": 5, "crore": 7, "พัน": 3, "หมื่น": 4, "แสน": 5,
                     "ล้าน": 6}


_ASCII_DIGITS = re.compile("[0-9]*")
_ASCII_LETTER = re.compile("[A-Za-z]")


def _lower(s: str) -> str:
    """ASCII lower case (as core's: other letters stay)."""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


def _is_ascii_letter(c: str) -> bool:
    return "a" <= c <= "z" or "A" <= c <= "Z"


def _is_percent(c: str) -> bool:
    return c in "%\uff05\u2030"


def _is_currency_symbol(c: str) -> bool:
    icu = _tokens.icu
    return icu.Char.charType(ord(c)) == icu.UCharCategory.CURRENCY_SYMBOL


def _letter_suffix(letters: str) -> tuple[int, str] | None:
    return _SUFFIXES.get(_lower(letters))


def _classify_ascii(s: str, tok: _Tok) -> _Tok:
    tok.first, tok.last = ord(s[0]), ord(s[-1])
    digits = _ASCII_DIGITS.match(s).end()  # type: ignore[union-attr]
    if digits == len(s):
        tok.kind = Kind.DIGITS
    elif digits > 0:
        rest = s[digits:]
        suffix = rest.isalpha() and _letter_suffix(rest) is not None  # ASCII: letters a-z A-Z.
        tok.kind = Kind.DIGITS_SUFFIX if suffix else Kind.WORD
        tok.digits_end = tok.begin + digits
    elif _ASCII_LETTER.search(s):
        tok.kind = Kind.WORD
    elif not s.strip(" \t\n"):
        tok.kind = Kind.SPACE
    elif len(s) == 1:
        tok.kind = {",": Kind.SEPARATOR, ".": Kind.SEPARATOR, "'": Kind.SEPARATOR,
                    "-": Kind.SIGN, "+": Kind.SIGN, "$": Kind.CURRENCY,
                    "%": Kind.PERCENT}.get(s, Kind.OTHER)
    return tok


def _classify(text: str, begin: int, end: int) -> _Tok:
    tok = _Tok(begin, end)
    s = text[begin:end]
    if s.isascii():
        return _classify_ascii(s, tok)
    char = _tokens.icu.Char
    tok.first, tok.last = ord(s[0]), ord(s[-1])
    if all(char.isUWhiteSpace(ord(c)) for c in s):
        tok.kind = Kind.SPACE
        return tok
    digits = 0
    while digits < len(s) and (digit_value(s[digits]) >= 0 or
                               (s[digits] == "\u202f" and 0 < digits and digits + 1 < len(s) and
                                digit_value(s[digits + 1]) >= 0)):
        digits += 1
    if digits == len(s):
        tok.kind = Kind.DIGITS
        return tok
    if digits > 0:
        rest = s[digits:]
        if all(map(_is_ascii_letter, rest)) and _letter_suffix(rest) is not None:
            tok.kind = Kind.DIGITS_SUFFIX
            tok.digits_end = begin + digits
        else:
            tok.kind = Kind.WORD
        return tok
    if all(kanji_numeral_value(c) != NOT_KANJI_NUMERAL for c in s):
        tok.kind = Kind.KANJI
    elif len(s) == 1 and separator_mark(s) in (",", "."):
        tok.kind = Kind.SEPARATOR
    elif len(s) == 1 and s in "'\u2019":
        tok.kind = Kind.SEPARATOR
    elif len(s) == 1 and s in _SIGNS:
        tok.kind = Kind.SIGN
    elif len(s) == 1 and _is_currency_symbol(s):
        tok.kind = Kind.CURRENCY
    elif len(s) == 1 and _is_percent(s):
        tok.kind = Kind.PERCENT
    elif any(char.isalpha(ord(c)) for c in s):
        tok.kind = Kind.WORD
    return tok


def _is_spaced_alnum(c: int) -> bool:
    """A letter or digit of a script written with spaces between words: a
    hyphen after it joins a word, not a sign."""
    if c >= 0x2E80 or not _tokens.icu.Char.isalnum(c):
        return False
    return not _tokens.needs_dictionary(c)


def _currency_code(symbol: int, prefix: str, language: str) -> str:
    c = chr(symbol)
    if c in "$\uff04":
        return _DOLLARS.get(prefix, "")
    if c in "\u00a5\uffe5":
        return "CNY" if _lower(language[:2]) == "zh" else "JPY"
    return _SYMBOLS.get(c, "")


@dataclass
class FigureScan:
    """A text's tokens (as the word diff cuts it) and its figures, each with
    its first and one-past-last token."""

    tokens: list[tuple[int, int]]
    figures: list[Figure]
    token_spans: list[tuple[int, int]]


class _Scanner:
    def __init__(self, text: str, language: str) -> None:
        self.text, self.language = text, language
        self.toks: list[_Tok] = []
        self.span_first = 0

    def run(self) -> FigureScan:
        tokens = _tokens.tokenize(self.text)
        self.toks = [_classify(self.text, b, e) for b, e in tokens]
        scan = FigureScan(tokens, [], [])
        i = 0
        while i < len(self.toks):
            nxt = [i + 1]
            if self._is_number_start(i):
                figure = self._read(i, nxt)
                if figure is not None:
                    scan.figures.append(figure)
                    scan.token_spans.append((self.span_first, nxt[0]))
            i = max(nxt[0], i + 1)
        return scan

    # ---- tokens ----

    def _adjacent(self, a: int, b: int) -> bool:
        return self.toks[a].end == self.toks[b].begin

    def _is(self, i: int, kind: Kind) -> bool:
        return i < len(self.toks) and self.toks[i].kind == kind

    def _single_space(self, i: int) -> bool:
        return self._is(i, Kind.SPACE) and self._text(i) in (" ", "\u00a0", "\u202f")

    def _text(self, i: int) -> str:
        return self.text[self.toks[i].begin:self.toks[i].end]

    def _is_number_start(self, i: int) -> bool:
        return (self._is(i, Kind.DIGITS) or self._is(i, Kind.DIGITS_SUFFIX) or
                self._is(i, Kind.KANJI))

    def _is_identifier_tail(self, i: int) -> bool:
        """A number glued by a hyphen to a word of a spaced script ("COVID-19")."""
        if i == 0 or not self._adjacent(i - 1, i):
            return False
        if self._is(i - 1, Kind.WORD) and _is_spaced_alnum(self.toks[i - 1].last):
            return True
        return (i >= 2 and self._is(i - 1, Kind.SIGN) and self.toks[i - 1].first == 0x2D and
                self._adjacent(i - 2, i - 1) and self._is(i - 2, Kind.WORD) and
                _is_spaced_alnum(self.toks[i - 2].last))

    def _number_tokens(self, i: int) -> int:
        """The number's last token (inclusive) from token ``i``."""
        j = i
        while not self._is(j, Kind.DIGITS_SUFFIX):
            if (self._is(j, Kind.DIGITS) and self._is(j + 1, Kind.SEPARATOR) and
                    self._adjacent(j, j + 1) and
                    (self._is(j + 2, Kind.DIGITS) or self._is(j + 2, Kind.DIGITS_SUFFIX)) and
                    self._adjacent(j + 1, j + 2)):
                j += 2
            elif ((self._is(j + 1, Kind.KANJI) or
                   (self._is(j, Kind.KANJI) and self._is(j + 1, Kind.DIGITS))) and
                  self._adjacent(j, j + 1)):
                j += 1
            else:
                break
        return j

    # ---- one figure ----

    def _read(self, i: int, nxt: list[int]) -> Figure | None:
        toks = self.toks
        last = self._number_tokens(i)
        nxt[0] = last + 1
        if self._is_identifier_tail(i):
            return None
        # "3.2x": a separator and then a word with digits is a code, not a number.
        if (self._is(last + 1, Kind.SEPARATOR) and self._adjacent(last, last + 1) and
                self._is(last + 2, Kind.WORD) and self._adjacent(last + 1, last + 2) and
                digit_value(chr(toks[last + 2].first)) >= 0):
            return None
        number_end = toks[last].digits_end if self._is(last, Kind.DIGITS_SUFFIX) else toks[last].end
        number = self.text[toks[i].begin:number_end]
        value = parse_figure_value(number, self.language)
        power, unit = 0, ""
        end = [toks[last].end]
        if self._is(last, Kind.DIGITS_SUFFIX):
            power, unit = _letter_suffix(self.text[number_end:toks[last].end]) or (0, "")
        kanji_only = all(t.kind == Kind.KANJI for t in toks[i:last + 1])
        after = [last + 1]
        if power == 0:
            power = self._multiplier(after, end)
        if not unit:
            unit = self._unit(after, end)
        if kanji_only and not unit and power == 0 and len(number) < 2:
            return None
        self.span_first = i
        begin, negative, unit = self._prefix(i, unit)
        nxt[0] = after[0]
        scaled = scale_value(value, power, negative) if value is not None else None
        return Figure(self.text[begin:end[0]], scaled or "", unit, begin, end[0])

    def _multiplier(self, after: list[int], end: list[int]) -> int:
        """A multiplier after the number: its power of ten (0: none); moves
        after[0] (next token) and end[0] (position) past it."""
        k = after[0]
        if k < len(self.toks) and self.toks[k].begin == end[0] and self._is(k, Kind.WORD):
            # 万 億 兆 opening the next word (a dictionary may keep "億円" whole).
            power, pos = 0, end[0]
            while pos < len(self.text) and kanji_numeral_value(self.text[pos]) <= -4:
                power -= kanji_numeral_value(self.text[pos])
                pos += 1
            if power > 0:
                end[0] = pos
                return power
        w = k + 1 if self._single_space(k) else k
        if self._is(w, Kind.WORD):
            power = _MULTIPLIER_WORDS.get(_lower(self._text(w)), 0)
            if power > 0:
                after[0] = w + 1
                end[0] = self.toks[w].end
                return power
        return 0

    def _unit(self, after: list[int], end: list[int]) -> str:
        """A unit after the number (and multiplier): moves after[0] and end[0]."""
        toks, k = self.toks, after[0]
        if self._is(k, Kind.PERCENT):
            after[0], end[0] = k + 1, toks[k].end
            return "‰" if toks[k].first == 0x2030 else "%"
        if self._is(k, Kind.CURRENCY) and toks[k].begin == end[0]:  # "5€"
            code = _currency_code(toks[k].first, "", self.language)
            if code:
                after[0], end[0] = k + 1, toks[k].end
            return code
        # Glued units (円, ドル, เยน) may share a token with what follows ("円高").
        glued_at = toks[k].end if self._single_space(k) else end[0]
        for glued, unit in _GLUED_UNITS:
            if self.text.startswith(glued, glued_at):
                stop = glued_at + len(glued)
                j = k
                while j < len(toks) and toks[j].end <= stop:
                    j += 1
                after[0], end[0] = j, stop
                return unit
        if not self._single_space(k):
            return ""
        if self._is(k + 1, Kind.CURRENCY):
            code = _currency_code(toks[k + 1].first, "", self.language)
            if code:
                after[0], end[0] = k + 2, toks[k + 1].end
            return code
        if not self._is(k + 1, Kind.WORD):
            return ""
        word = _lower(self._text(k + 1))

        def two_words(second: str) -> bool:
            return (self._single_space(k + 2) and self._is(k + 3, Kind.WORD) and
                    _lower(self._text(k + 3)).startswith(second))

        unit, stop = "", k + 2
        if ((word == "per" and two_words("cent")) or (word == "percentage" and two_words("point"))
                or (word == "basis" and two_words("point"))):
            unit = "%" if word == "per" else "bp" if word == "basis" else "pp"
            stop = k + 4
        elif word in _UNIT_WORDS:
            unit = _UNIT_WORDS[word]
        if not unit:
            return ""
        after[0], end[0] = stop, toks[stop - 1].end
        return unit

    def _sign_before(self, s: int) -> tuple[bool, bool]:
        """(a sign right before token ``s``, it is a minus); a hyphen after a
        word or number of a spaced script is no sign (▲ and △ always are)."""
        if s == 0 or not self._is(s - 1, Kind.SIGN) or not self._adjacent(s - 1, s):
            return False, False
        p = s - 1
        c = self.toks[p].first
        after_word = p > 0 and self._adjacent(p - 1, p) and _is_spaced_alnum(self.toks[p - 1].last)
        if after_word and c not in (0x25B2, 0x25B3):
            return False, False
        return True, chr(c) in _MINUS

    def _currency_before(self, s: int) -> tuple[int, str] | None:
        """The first token of a currency symbol (with its country prefix,
        "HK$") right before token ``s`` when it names a currency, and the code."""
        if s == 0 or not self._is(s - 1, Kind.CURRENCY) or not self._adjacent(s - 1, s):
            return None
        c = s - 1
        prefix = ""
        if c > 0 and self._is(c - 1, Kind.WORD) and self._adjacent(c - 1, c):
            word = self._text(c - 1)
            if len(word.encode()) <= 2 and all("A" <= ch <= "Z" for ch in word):
                prefix = word
        code = _currency_code(self.toks[c].first, prefix, self.language)
        if not code:
            return None
        return (c - 1 if prefix else c), code

    def _prefix(self, i: int, unit: str) -> tuple[int, bool, str]:
        """Sign and currency before the number at token ``i``: [sign]
        [currency], [currency] [sign], or an ISO code and a space ("USD 5").
        Returns (begin, negative, unit)."""
        k = i
        negative = False
        currency = ""
        signed_first, minus = self._sign_before(k)
        if signed_first:
            negative = minus
            k -= 1
        found = None if unit else self._currency_before(k)
        if found is not None:
            k, currency = found
            if not signed_first:
                signed, minus = self._sign_before(k)
                if signed:
                    negative = minus
                    k -= 1
        if (not unit and not currency and k >= 2 and self._single_space(k - 1) and
                self._is(k - 2, Kind.WORD) and self._text(k - 2) in _ISO_CODES):
            currency = self._text(k - 2)
            k -= 2
        self.span_first = k
        return self.toks[k].begin, negative, currency or unit


def scan_figures(text: str, language: str = "") -> FigureScan:
    return _Scanner(text, language).run()
