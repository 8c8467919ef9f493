"""Cells for files people open in a spreadsheet: every export writes its values through here."""

from __future__ import annotations

# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(…) can
# send the sheet's data away); a tab or carriage return first hides such a start. The
# full-width forms count too: some spreadsheets read them as their ASCII twins.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take `text` for a formula (spaces before it do not help)."""
    return text.lstrip(" ").startswith(FORMULA_STARTS)


def safe_cell(value: object) -> object:
    """`value` as a CSV or XLSX cell: text that a spreadsheet would run gets a leading `'`.

    Numbers, dates and None pass unchanged (a negative number is a number, not a formula);
    openpyxl would otherwise store text starting with `=` as a formula.
    """
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value
