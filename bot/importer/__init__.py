"""Import a schedule from a CSV or XLSX file (`reintegrate-bot import workshops|advisers|shifts`).

Reading, checking and storing are separate steps: `read_table` turns a file into a `Table` of
text cells (tables.py, refusing a file past `ImportLimits` before reading it whole), each kind
of file checks every row without I/O and collects every mistake (checks.py for the cells they
share), and stores the plans in one unit of work only when the whole file is clean, so a file
is imported completely or not at all: workshops.py, advisers.py, shifts.py.
"""

from bot.importer.advisers import (
    ADVISER_COLUMNS,
    AdviserPlan,
    HoursPlan,
    ImportedAdvisers,
    check_adviser_header,
    import_advisers,
    parse_adviser_rows,
    whole_day,
)
from bot.importer.shifts import (
    SHIFT_COLUMNS,
    ImportedShifts,
    ShiftPlan,
    check_shift_header,
    import_shifts,
    parse_shift_rows,
)
from bot.importer.tables import (
    ImportFailed,
    ImportLimits,
    Table,
    cell_text,
    check_header,
    check_xlsx_archive,
    read_csv,
    read_table,
    read_xlsx,
)
from bot.importer.workshops import (
    COLUMNS,
    Imported,
    WorkshopPlan,
    check_workshop_header,
    import_workshops,
    parse_rows,
)

__all__ = [
    "ADVISER_COLUMNS",
    "COLUMNS",
    "SHIFT_COLUMNS",
    "AdviserPlan",
    "HoursPlan",
    "ImportFailed",
    "ImportLimits",
    "Imported",
    "ImportedAdvisers",
    "ImportedShifts",
    "ShiftPlan",
    "Table",
    "WorkshopPlan",
    "cell_text",
    "check_adviser_header",
    "check_header",
    "check_shift_header",
    "check_workshop_header",
    "check_xlsx_archive",
    "import_advisers",
    "import_shifts",
    "import_workshops",
    "parse_adviser_rows",
    "parse_rows",
    "parse_shift_rows",
    "read_csv",
    "read_table",
    "read_xlsx",
    "whole_day",
]
