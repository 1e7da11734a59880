"""The value of a number as written (core/src/figure_value.cc).

Rules, in order:

1. Digits of any script (Unicode Nd) are read by their digit value;
   full-width ， and ． are the ASCII comma and full stop; ' ’ U+00A0
   U+2009 U+202F only group.
2. Comma and full stop: when both occur, the last one is the decimal mark
   (it must occur once). When one occurs more than once, it groups. When one
   occurs once, it is the decimal mark if it is the language's, or if no
   group of exactly three digits follows it; otherwise it groups.
3. Groups: the first has 1-3 digits, the others 3 (or 2, then a last 3:
   Indian "1,23,45,678"); anything else is not read.
4. Kanji numerals (〇 零 一 ... 九, 十 百 千 within a section, 万 億 兆
   between sections) with ASCII or full-width numbers as coefficients.

Values are exact: a mantissa of at most 18 significant digits and a power
of ten; past that a number has no value.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _tokens

MAX_MANTISSA = 999_999_999_999_999_999  # 18 nines: room to add.
NOT_KANJI_NUMERAL = 100

_KANJI = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
          "八": 8, "九": 9, "十": -1, "百": -2, "千": -3, "万": -4, "萬": -4, "億": -8,
          "兆": -12}


def kanji_numeral_value(c: str) -> int:
    """0-9 for 〇 零 一 ... 九; -1, -2, -3 for 十 百 千; -4, -8, -12 for 万
    億 兆 (the power of ten, negated); NOT_KANJI_NUMERAL otherwise."""
    return _KANJI.get(c, NOT_KANJI_NUMERAL)


def digit_value(c: str) -> int:
    """The digit value of a Unicode decimal digit (Nd) of any script; -1 else."""
    if c.isascii():
        return ord(c) - 0x30 if "0" <= c <= "9" else -1
    char = _tokens.icu.Char
    if char.charType(ord(c)) != _tokens.icu.UCharCategory.DECIMAL_DIGIT_NUMBER:
        return -1
    return char.charDigitValue(ord(c))


def separator_mark(c: str) -> str:
    """',' or '.' for the comma and full stop (ASCII or full-width), 'g' for
    a mark that only groups, '' for anything else."""
    if c in ",\uff0c":
        return ","
    if c in ".\uff0e":
        return "."
    if c in "'\u2019\u00a0\u2009\u202f":
        return "g"
    return ""


@dataclass(frozen=True)
class _Decimal:
    """An exact non-negative decimal: mantissa × 10^exponent."""

    mantissa: int = 0
    exponent: int = 0

    def shift(self, k: int) -> _Decimal:
        return _Decimal(self.mantissa, self.exponent + k)


def _scaled(a: _Decimal, exponent: int) -> int | None:
    k = a.exponent - exponent
    if k > 18:
        return 0 if a.mantissa == 0 else None
    p = 10 ** k
    if a.mantissa > MAX_MANTISSA // p:
        return None
    return a.mantissa * p


def _add(a: _Decimal, b: _Decimal) -> _Decimal | None:
    if a.mantissa == 0:
        return b
    if b.mantissa == 0:
        return a
    exponent = min(a.exponent, b.exponent)
    x, y = _scaled(a, exponent), _scaled(b, exponent)
    if x is None or y is None or x > MAX_MANTISSA - y:
        return None
    return _Decimal(x + y, exponent)


def _from_digits(integer: str, fraction: str) -> _Decimal | None:
    mantissa = significant = 0
    for c in integer + fraction:
        if mantissa == 0 and c == "0":
            continue
        significant += 1
        if significant > 18:
            return None
        mantissa = mantissa * 10 + ord(c) - 0x30
    return _Decimal(mantissa, -len(fraction))


def _to_string(d: _Decimal) -> str:
    if d.mantissa == 0:
        return "0"
    mantissa, exponent = d.mantissa, d.exponent
    while exponent < 0 and mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    digits = str(mantissa)
    if exponent >= 0:
        return digits + "0" * exponent
    fraction = -exponent
    if len(digits) <= fraction:
        digits = "0" * (fraction - len(digits) + 1) + digits
    return digits[:len(digits) - fraction] + "." + digits[len(digits) - fraction:]


# Languages whose decimal mark is the comma (CLDR), by primary subtag.
_COMMA_DECIMAL = frozenset(
    "bg ca cs da de el es et eu fi fr gl hr hu id is it lt lv nb nl nn no pl pt ro ru sk sl sv "
    "tr uk vi".split())


def comma_is_decimal(language: str) -> bool:
    primary = language
    for sep in "-_":
        primary = primary.split(sep)[0]
    lower = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in primary)
    return lower in _COMMA_DECIMAL


def _groups_valid(groups: list[str], count: int) -> bool:
    if count < 2:
        return True
    if not groups[0] or len(groups[0]) > 3 or len(groups[count - 1]) != 3:
        return False
    middle = groups[1:count - 1]
    return (all(len(g) == 3 for g in middle) or
            (all(len(g) == 2 for g in middle) and len(groups[0]) <= 2))


def _decimal_mark(groups: list[str], marks: str, comma_decimal: bool) -> int | None:
    """Which mark (index into marks) is the decimal mark; len(marks) for none."""
    last = max(marks.rfind(","), marks.rfind("."))
    if last < 0:
        return len(marks)
    kind = marks[last]
    count = marks.count(kind)
    mixed = ("." if kind == "," else ",") in marks
    if mixed:
        return last if count == 1 else None
    if count > 1:
        return len(marks)
    grouped_before = 0 <= marks.find("g") < last
    if grouped_before or kind == ("," if comma_decimal else "."):
        return last
    return len(marks) if len(groups[last + 1]) == 3 and len(groups[0]) <= 3 else last


def _read_run(groups: list[str], marks: str, comma_decimal: bool) -> _Decimal | None:
    if any(not g for g in groups):
        return None
    mark = _decimal_mark(groups, marks, comma_decimal)
    if mark is None:
        return None
    if mark < len(marks) and mark + 1 != len(marks):
        return None
    integer_groups = min(mark + 1, len(groups))
    if not _groups_valid(groups, integer_groups):
        return None
    if mark < len(marks) and marks[mark] in marks[:mark]:
        return None
    fraction = groups[mark + 1] if mark < len(marks) else ""
    return _from_digits("".join(groups[:integer_groups]), fraction)


class _KanjiReader:
    """Kanji numeral sections: 万 億 兆 close a section, 十 百 千 scale
    within one; digits accumulate positionally (二〇二六)."""

    def __init__(self) -> None:
        self.total = _Decimal()
        self.section = _Decimal()
        self.current: _Decimal | None = None

    def number(self, n: _Decimal) -> bool:
        if self.current is not None:
            return False
        self.current = n
        return True

    def digit(self, d: int) -> bool:
        base = self.current.shift(1) if self.current is not None else _Decimal()
        total = _add(base, _Decimal(d, 0))
        if total is None:
            return False
        self.current = total
        return True

    def scale(self, power: int) -> bool:
        base = self.current if self.current is not None else _Decimal(1, 0)
        total = _add(self.section, base.shift(power))
        self.current = None
        if total is None:
            return False
        self.section = total
        return True

    def close_section(self, power: int) -> bool:
        section = _add(self.section, self.current or _Decimal())
        if section is None:
            return False
        if section.mantissa == 0:
            section = _Decimal(1, 0)
        total = _add(self.total, section.shift(power))
        self.section, self.current = _Decimal(), None
        if total is None:
            return False
        self.total = total
        return True

    def result(self) -> _Decimal | None:
        section = _add(self.section, self.current or _Decimal())
        return None if section is None else _add(self.total, section)


def parse_figure_value(number: str, language: str = "") -> str | None:
    """The value of a number as written (digits of any script, full-width
    forms, group and decimal marks, kanji numerals and multipliers; no sign
    or unit) as an exact ASCII decimal: "4,515" -> "4515", "1.234,5" ->
    "1234.5", "１８００億" -> "180000000000". None when the marks are
    ambiguous or malformed ("1,23,4"), or past 18 significant digits."""
    comma_decimal = comma_is_decimal(language)
    kanji = _KanjiReader()
    any_digit = in_run = False
    groups, marks = [""], ""

    def close_run() -> bool:
        nonlocal in_run, groups, marks
        if not in_run:
            return True
        in_run = False
        value = _read_run(groups, marks, comma_decimal)
        groups, marks = [""], ""
        return value is not None and kanji.number(value)

    for c in number:
        d = digit_value(c)
        if d >= 0:
            groups[-1] += chr(0x30 + d)
            in_run = any_digit = True
        elif separator_mark(c) and in_run:
            marks += separator_mark(c)
            groups.append("")
        elif (k := kanji_numeral_value(c)) != NOT_KANJI_NUMERAL:
            any_digit = True
            if not close_run():
                return None
            ok = (kanji.digit(k) if k >= 0 else kanji.scale(-k) if k >= -3 else
                  kanji.close_section(-k))
            if not ok:
                return None
        else:
            return None
    if not any_digit or not close_run():
        return None
    total = kanji.result()
    return None if total is None else _to_string(total)


def scale_value(value: str, power: int, negative: bool) -> str | None:
    """``value`` (an unsigned exact decimal) × 10^power, with a minus sign
    when ``negative``; None past 18 significant digits."""
    integer, _, fraction = value.partition(".")
    d = _from_digits(integer, fraction)
    if d is None:
        return None
    out = _to_string(d.shift(power))
    return "-" + out if negative and out != "0" else out
