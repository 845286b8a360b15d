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
    "UNREADABLE": "a case file is missing, unreadable, too large or not UTF-8",
    "BAD_RESULT": "a dict given to Result.from_dict is not a result's to_dict()",
    "INPUT": "any other problem with a case",
}
