"""Personal data that a member may be about to publish: e-mail addresses, phone numbers,
Swedish personnummer / samordningsnummer, Norwegian fødselsnummer / D-nummer, Dutch BSN,
and names after titles ("Dr Berg"). Identity numbers count only with valid check digits
and a real date, so dates, prices and order numbers do not raise false alarms."""

import re
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Finding:
    kind: str  # "email", "phone", "personnummer", "fodselsnummer", "bsn", "titled_name"
    text: str


EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# A phone number: an international prefix, or a leading 0, then groups of digits.
PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ \-]?\d){7,13}(?!\w)")
ORDER_WORDS = re.compile(
    r"(?:order|ordernr|ordernummer|ordrenummer|bestelling|bestelnummer|invoice|faktura|"
    r"factuur|ref|referens|nr|no|#)\W*$",
    re.IGNORECASE,
)
SWEDISH_ID = re.compile(r"(?<!\d)(\d{2})?(\d{6})([-+]?)(\d{4})(?!\d)")
NORWEGIAN_ID = re.compile(r"(?<!\d)(\d{6})\s?(\d{5})(?!\d)")
DUTCH_BSN = re.compile(r"(?<!\d)(\d{4})\.?(\d{2})\.?(\d{3})(?!\d)|(?<!\d)(\d{9})(?!\d)")
TITLED_NAME = re.compile(
    r"\b(?:dr|doktor|doctor|dokter|prof|professor)\.?\s+([A-ZÅÄÖÆØ][\w'-]+)", re.IGNORECASE
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return total % 10 == 0


def real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def swedish_id(match: re.Match) -> bool:
    """A personnummer (or samordningsnummer: day + 60) with a valid Luhn digit."""
    short = match.group(2) + match.group(4)  # YYMMDD + NNNC
    year, month, day = int(short[:2]), int(short[2:4]), int(short[4:6])
    if day > 60:
        day -= 60
    century = int(match.group(1)) if match.group(1) else 19
    if not match.group(1) and not match.group(3):
        return False  # ten bare digits are as likely to be anything else
    return real_date(century * 100 + year, month, day) and luhn_valid(short)


def norwegian_id(digits: str) -> bool:
    """A fødselsnummer (or D-nummer: day + 40) with both mod-11 check digits right."""
    day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    if day > 40:
        day -= 40
    if not real_date(2000 + year, month, day) and not real_date(1900 + year, month, day):
        return False
    numbers = [int(char) for char in digits]

    def check(weights: list[int], upto: int) -> int:
        rest = 11 - sum(w * n for w, n in zip(weights, numbers[:upto], strict=True)) % 11
        return 0 if rest == 11 else rest

    first = check([3, 7, 6, 1, 8, 9, 4, 5, 2], 9)
    second = check([5, 4, 3, 2, 7, 6, 5, 4, 3, 2], 10)
    return first < 10 and second < 10 and numbers[9] == first and numbers[10] == second


def bsn_valid(digits: str) -> bool:
    """The Dutch 11-check: 9×d1 + 8×d2 + … + 2×d8 − d9 is a multiple of 11 (and not 0)."""
    numbers = [int(char) for char in digits]
    total = sum(w * n for w, n in zip(range(9, 1, -1), numbers[:8], strict=True)) - numbers[8]
    return total % 11 == 0 and total != 0


def find_personal_data(text: str) -> list[Finding]:
    """Everything in `text` that looks like someone's personal data."""
    found = [Finding("email", match.group()) for match in EMAIL.finditer(text)]
    ids: set[str] = set()
    for match in SWEDISH_ID.finditer(text):
        if swedish_id(match):
            found.append(Finding("personnummer", match.group()))
            ids.add(re.sub(r"\D", "", match.group()))
    for match in NORWEGIAN_ID.finditer(text):
        digits = match.group(1) + match.group(2)
        if norwegian_id(digits):
            found.append(Finding("fodselsnummer", match.group()))
            ids.add(digits)
    for match in DUTCH_BSN.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if bsn_valid(digits) and digits not in ids:
            found.append(Finding("bsn", match.group()))
            ids.add(digits)
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if digits in ids or any(digits in number for number in ids):
            continue
        if looks_like_phone(text, match):
            found.append(Finding("phone", match.group()))
    found += [Finding("titled_name", match.group()) for match in TITLED_NAME.finditer(text)]
    return found


def looks_like_phone(text: str, match: re.Match) -> bool:
    """A phone number starts with + / 00 or a 0, and is not labelled as an order number."""
    number = match.group()
    if not (number.startswith(("+", "00")) or number.startswith("0")):
        return False
    return not ORDER_WORDS.search(text[: match.start()])
