"""Every locale is complete, none fuzzy, placeholders as in English; sr_Cyrl is generated."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.i18n import extract, read_catalog
from handlers.locales import LOCALES, match_locale
from handlers.texts import REGISTRY
from handlers.translit import to_cyrillic

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
CODE_MSGIDS = {str(m.id) for m in extract() if m.id}


def test_every_message_in_the_code_is_extracted():
    assert {t.msgid for t in REGISTRY.values()} <= CODE_MSGIDS
    assert len(CODE_MSGIDS) > 50


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete_and_consistent(locale):
    catalog = read_catalog(locale)
    assert not catalog.fuzzy, "the header is marked fuzzy"
    entries = {str(m.id): m for m in catalog if m.id}
    missing = CODE_MSGIDS - set(entries)
    assert not missing, (
        f"{locale}: not in the catalog (run `reintegrate-bot locales --update`): {missing}"
    )
    for msgid, m in entries.items():
        if msgid not in CODE_MSGIDS:
            continue  # obsolete entries are harmless; `locales --update` drops them
        assert m.string, f"{locale}: untranslated {msgid!r}"
        assert not m.fuzzy, f"{locale}: fuzzy {msgid!r}"
        assert sorted(PLACEHOLDER.findall(m.string)) == sorted(PLACEHOLDER.findall(msgid)), (
            f"{locale}: placeholders differ in {msgid!r}"
        )
        for command in re.findall(r"/[a-z]+", msgid):
            assert command in m.string, f"{locale}: {command} must stay as it is in {msgid!r}"


def test_serbian_cyrillic_is_generated_from_latin():
    latin, cyrillic = read_catalog("sr"), read_catalog("sr_Cyrl")
    for m in latin:
        if m.id and m.string:
            assert cyrillic[m.id].string == to_cyrillic(m.string)
            leftover = re.sub(
                r"\{[^{}]*\}|/[a-z]+|RE!NTEGRATE|Telegram|Viber|QR", "", cyrillic[m.id].string
            )
            assert not re.search(r"[A-Za-zčćšžđČĆŠŽĐ]", leftover), cyrillic[m.id].string


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Ljubljana Njegoš džep", "Љубљана Његош џеп"),
        ("LJUBAV Džemal", "ЉУБАВ Џемал"),
        ("Đurđevdan, Čačak, Šabac, Žabalj, Ćuprija", "Ђурђевдан, Чачак, Шабац, Жабаљ, Ћуприја"),
        ("Vaš centar je {centre}. Pišite /start", "Ваш центар је {centre}. Пишите /start"),
        (
            "Hvala što koristite RE!NTEGRATE na Viber-u",
            "Хвала што користите RE!NTEGRATE на Viber-у",
        ),
    ],
)
def test_transliteration(latin, cyrillic):
    assert to_cyrillic(latin) == cyrillic


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Tuesday, November 24, 2026"),
        ("sr", "utorak, 24. novembar 2026."),
        ("sr_Cyrl", "уторак, 24. новембар 2026."),
        ("de", "Dienstag, 24. November 2026"),
        ("bs", "utorak, 24. novembar 2026."),
    ],
)
def test_dates_in_each_language_and_belgrade_time(translator, locale, expected):
    # 23:30 UTC on Monday is half past midnight on Tuesday in Belgrade (winter time).
    text = translator.format_datetime(locale, datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    assert text.startswith(expected)
    assert "00:30" in text


def test_romani_uses_its_own_day_and_month_names(translator):
    text = translator.format_datetime("rom", datetime(2026, 7, 6, 8, 0, tzinfo=UTC))
    assert "10:00" in text  # summer time
    assert translator.gettext("rom", "Monday") in text
    assert translator.gettext("rom", "July") in text
    assert "ponedeljak" not in text and "jul " not in text


@pytest.mark.parametrize(
    ("hint", "locale"),
    [("sr", "sr"), ("sr-Latn", "sr"), ("sr-Cyrl", "sr_Cyrl"), ("de-AT", "de"), ("bs", "bs"),
     ("hr", "bs"), ("en-GB", "en"), ("rmy", "rom"), ("fr", None), (None, None), ("", None)],
)  # fmt: skip
def test_platform_language_codes_are_mapped(hint, locale):
    assert match_locale(hint) == locale
