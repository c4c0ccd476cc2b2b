"""The message catalogues: gettext `.po` files for fr-CA (the default) and en.

Message ids are stable keys (`welcome.title`), not French sentences, so that both
catalogues are translations of the same ids and a test can demand that each id has a
non-empty text in both. The `.po` files are compiled in memory at start-up, so there is
no build step and no stale `.mo` file to forget.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_timezone_name
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

CATALOGUE_DIR = Path(__file__).parent
DOMAIN = "messages"
FRENCH = "fr-CA"
ENGLISH = "en"
# Folder name for each supported locale (gettext wants underscores).
_FOLDERS = {FRENCH: "fr_CA", ENGLISH: "en"}


def catalogue_path(locale: str) -> Path:
    return CATALOGUE_DIR / _FOLDERS[locale] / "LC_MESSAGES" / f"{DOMAIN}.po"


def pick_locale(requested: str | None, default: str = FRENCH) -> str:
    """French unless the person's Teams client asks for English (or another non-French locale
    we do not carry, in which case the committee's default language applies)."""
    if requested:
        lowered = requested.lower()
        if lowered.startswith("en"):
            return ENGLISH
        if lowered.startswith("fr"):
            return FRENCH
    return default


@dataclass(frozen=True)
class Translator:
    """Looks up a message in one language; `t("key", name=…)` formats with str.format."""

    locale: str
    _catalogue: gettext.NullTranslations

    def t(self, key: str, /, **params: object) -> str:
        text = self._catalogue.gettext(key)
        return text.format(**params) if params else text

    def n(self, key: str, count: int, /, **params: object) -> str:
        """A message whose wording follows `count` (gettext plural forms: French says
        « 1 membre », « 2 membres » and « 0 membre »; English « 0 members »)."""
        return self._catalogue.ngettext(key, key, count).format(count=count, **params)

    @property
    def is_french(self) -> bool:
        return self.locale == FRENCH


class Catalogues:
    """Both languages, loaded once by the composition root."""

    def __init__(self, directory: Path = CATALOGUE_DIR) -> None:
        self._translators: dict[str, Translator] = {}
        for locale, folder in _FOLDERS.items():
            path = directory / folder / "LC_MESSAGES" / f"{DOMAIN}.po"
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=folder)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            self._translators[locale] = Translator(locale, gettext.GNUTranslations(buffer))

    def for_locale(self, requested: str | None, default: str = FRENCH) -> Translator:
        return self._translators[pick_locale(requested, default)]

    @property
    def all(self) -> Mapping[str, Translator]:
        return self._translators


def _first_of_month(tr: Translator, day: int, written: str) -> str:
    """French writes the first day of a month « 1er » (« 1er décembre »), every other as a
    number."""
    if tr.is_french and day == 1 and written.startswith("1 "):
        return "1er" + written[1:]
    return written


def format_day(tr: Translator, moment: datetime, zone: ZoneInfo) -> str:
    """A date alone, short, for tables ("23 nov. 2026", "Nov 23, 2026"): the day in the
    committee's time zone."""
    return format_short_date(tr, moment.astimezone(zone).date())


def format_short_date(tr: Translator, day: date) -> str:
    """A calendar day (a due date, a deadline), short, for tables ("1er déc. 2026")."""
    return _first_of_month(tr, day.day, format_date(day, "medium", locale=_FOLDERS[tr.locale]))


def format_long_day(tr: Translator, day: date) -> str:
    """A date written out, as in a sentence ("20 janvier 2027", "1er mars 2027", "January 20,
    2027")."""
    return _first_of_month(tr, day.day, format_date(day, "long", locale=_FOLDERS[tr.locale]))


def format_clock(tr: Translator, moment: datetime, zone: ZoneInfo) -> str:
    """A time of day alone, as people write it ("15 h 30", "3:30 PM"), in the committee's
    time zone."""
    return format_datetime(moment, tr.t("format.time"), tzinfo=zone, locale=_FOLDERS[tr.locale])


def format_moment(tr: Translator, moment: datetime, zone: ZoneInfo) -> str:
    """A date and time as people write it in that language, in the committee's time zone, which
    it names ("23 novembre 2026 à 10 h 15 (heure de l’Est)", "November 23, 2026 at 10:15 AM
    (Eastern Time)"): members read it from Gaspé and from Gatineau alike."""
    locale = _FOLDERS[tr.locale]
    shown = format_datetime(moment, tr.t("format.datetime"), tzinfo=zone, locale=locale)
    shown = _first_of_month(tr, moment.astimezone(zone).day, shown)
    name = get_timezone_name(zone, "long", locale=locale, zone_variant="generic")
    return tr.t("format.zone", moment=shown, zone=name)
