"""Hit policies exactly as DMN 1.3 defines them, applied to the rules that matched.

Single-hit tables give one value per output; multiple-hit tables give a list
(C, R, O) or an aggregate (C+, C<, C>, C#). A unique table that matches twice,
an any table whose matches disagree, and (unless the model's ``No match`` is
null) a single-hit table that matches nothing are errors naming the table and
the rules: never a guessed answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .compiler import CompiledTable
from .errors import EvaluationError
from .feel_value import Value, same, show


def apply(
    ct: CompiledTable, hits: Sequence[int], values: Sequence[Value], absent: tuple[Value, ...] | None = None
) -> tuple[Value, ...]:
    """The table's output values (one per output column) for the matched rule indices.

    ``absent`` is what a single-hit table gives when no rule matches (the model's ``No match`` is null:
    each output's default, else null); None makes that an error, as the clinical model wants.
    """
    hp = ct.hit_policy
    outputs = ct.outputs
    if hp in ("U", "F", "A", "P"):
        if not hits:
            if absent is not None:
                return absent
            raise _no_match(ct, values)
        if hp == "F" or len(hits) == 1:
            return outputs[hits[0]]
        if hp == "U":
            ids = [ct.table.rules[i].id for i in hits]
            raise EvaluationError(
                f"table '{ct.table.name}' has hit policy U (unique) but rules {', '.join(ids)} all match",
                ct.table.name,
                ct.table.sheet,
                ids,
                _inputs(ct, values),
            )
        if hp == "A":
            first = outputs[hits[0]]
            for i in hits[1:]:
                if not same(outputs[i], first):
                    ids = [ct.table.rules[k].id for k in hits]
                    raise EvaluationError(
                        f"table '{ct.table.name}' has hit policy A (any) but matching rules {', '.join(ids)} "
                        "give different outputs",
                        ct.table.name,
                        ct.table.sheet,
                        ids,
                        _inputs(ct, values),
                    )
            return first
        # Priorities are ranks in the output's allowed list (feel_value.rank), ties to the first rule.
        best = min(hits, key=lambda i: (ct.priorities[i], i))
        return outputs[best]
    n = len(ct.output_names)
    if hp == "O":
        hits = sorted(hits, key=lambda i: (ct.priorities[i], i))
    if hp in ("C", "R", "O"):
        if n == 1:
            return ([outputs[i][0] for i in hits],)
        return tuple([outputs[i][j] for i in hits] for j in range(n))
    column = [outputs[i][0] for i in hits]
    if hp == "C#":
        return (len(column),)
    if not column:
        return (None,)
    if hp == "C+":
        return (sum(column),)  # type: ignore[arg-type]
    if hp == "C<":
        return (min(column),)  # type: ignore[type-var]
    return (max(column),)  # type: ignore[type-var]


def _inputs(ct: CompiledTable, values: Sequence[Value]) -> dict[str, Any]:
    return dict(zip(ct.input_names, values))


def _no_match(ct: CompiledTable, values: Sequence[Value]) -> EvaluationError:
    seen = ", ".join(f"{n} = {show(v)}" for n, v in zip(ct.input_names, values))
    return EvaluationError(
        f"no rule of table '{ct.table.name}' matches {seen}; the table has a gap (run 'atc-dmn validate' to list them)",
        ct.table.name,
        ct.table.sheet,
        (),
        _inputs(ct, values),
    )
