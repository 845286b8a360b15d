"""The Test sheet's cells: values a case could never have, and expectations no output can meet.

A typo on the Test sheet does not change a recommendation, but it makes its
case meaningless: an input value outside the input's list is refused, an
expected code that no rule gives can never match. These are **warnings**: the
Test sheet is not used to decide anything, so a typo there must not stop the
model from being used (every command refuses a workbook with an error), while
``atc-dmn test`` fails the case and names the same cell.

- **TEST_INPUT_VALUE**: an input cell whose value the input does not allow, as
  a case would be read (booleans ``true``/``false``/``yes``/``no``, codes
  exactly, capitals included). Example: ``IVb`` under *Stage (given)*.
- **TEST_EXPECTED_VALUE**: an expected-output cell with a code the output
  cannot take; in a list such as *Actions* (``a, b`` or ``a; b``), each item.
- **TEST_EXPECTED_ERROR**: an *Expected error* cell that names no input.
- **TEST_CASE_DUPLICATE**: two cases with the same id.
"""

from __future__ import annotations

from ..sheet_cases import sheet_findings
from .context import Context


def check(ctx: Context) -> None:
    sheet_findings(ctx.model, ctx.findings)
