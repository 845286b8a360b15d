"""The stable codes of :class:`~atc_dmn.errors.InputError`: what a program may test, whatever the message says.

Kept apart from errors.py, whose quoted codes are workbook findings (docs/findings.md).
"""

# What an InputError's ``code`` can be: the contract for programs (the HTTP service's error codes among them).
INPUT_CODES = {
    "UNKNOWN_INPUT": "the case names an input the model does not have",
    "NOT_ALLOWED": "a value is not one of its input's allowed values",
    "WRONG_TYPE": "a value is not of its input's type (a boolean, a number, a date, ...)",
    "OUT_OF_RANGE": "a number or date is outside its input's allowed range",
    "REQUIRED": "a required input is missing",
    "TOO_LONG": "a text is longer than any allowed value",
    "CONFLICT": "the values contradict each other (a check table refused the case)",
    "NOT_AN_OBJECT": "the case is not one object of input names and values",
    "BAD_NAME": "an input name is not text",
    "BAD_JSON": "the text is not valid JSON",
    "DUPLICATE_KEY": "a name is given twice",
    "TOO_DEEP": "the JSON nests deeper than a case can",
    "NUMBER_TOO_LONG": "an integer has more digits than any value",
    "BAD_TEXT": "a text holds a lone surrogate escape",
    "BAD_CSV": "a CSV file's header or row cannot be read",
    "BAD_ASSIGNMENT": "a --set is not name=value",
    "UNREADABLE": "a case file is missing, unreadable, too large, not UTF-8 or not a workbook",
    "BAD_RESULT": "a dict given to Result.from_dict is not a result's to_dict()",
    # atc-dmn batch: a file of rows, its columns and options
    "NOT_TEXT": "a row holds bytes that are not text in the file's encoding (UTF-8, or UTF-16 with a BOM)",
    "ROW_TOO_LONG": "a row is longer than one row may be (1 MiB)",
    "BAD_ROW": "a spreadsheet row has a value beyond the last named column",
    "UNKNOWN_COLUMN": "a column is not an input and not named with --id-column or --keep-columns",
    "UNNAMED_COLUMN": "a column of the header has no name",
    "NO_SUCH_COLUMN": "--id-column or --keep-columns names a column the input lacks",
    "KEPT_INPUT": "--id-column or --keep-columns names one of the model's inputs",
    "NO_SUCH_SHEET": "--sheet names a sheet the workbook lacks",
    "BAD_OPTION": "an option does not fit the input, the output or the engine",
    "COLUMN_CLASH": "a DataFrame already has a column the decision would add",
    "OUTPUT_EXISTS": "Spark's output folder exists already",
    "INPUT": "any other problem with a case",
}
