"""Apache Spark: the model over a DataFrame, for cohorts past one machine (``pip install 'atc-dmn[spark]'``).

The workbook's bytes are broadcast, not a pickled engine: each Python worker compiles the model
once (checked against the SHA-256 the driver read) and decides its partitions with
``mapInPandas``. The answer is the DataFrame's own columns with the decision columns added, the
model version and SHA-256 on every row, and the error of a row that failed: no row is dropped.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import EngineUnavailable, EvaluationError, InputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from .batch.run import Summary
    from .engine import DecisionModel

# The columns added to every row, after the decision codes (decision_<output>).
TAIL = ("model_version", "model_sha256", "error_code", "error_field", "error")
_UNREADABLE = "_atc_dmn_unreadable_row"  # Spark's corrupt-record column, while a CSV is read
_INSTALL = "Apache Spark support is not installed: pip install 'atc-dmn[spark]' (it needs Java 17 or later)"


def _pyspark() -> Any:
    try:
        import pyspark.sql.types as types
    except ImportError:
        raise EngineUnavailable(_INSTALL) from None
    return types


def evaluate(df: DataFrame, model: str | os.PathLike[str] | None = None, *, keep: Sequence[str] = ()) -> DataFrame:
    """``df`` with the model's decision for every row: ``decision_<output>`` columns, model version, SHA-256, errors.

    Columns named as the model's inputs are read (strings as in a CSV, booleans, numbers, dates;
    null is unknown); every other column is passed through, except one whose name is close to an
    input's (``stgae``), refused as a likely typo unless named in ``keep``. A list output (actions) is one text,
    its codes joined with ``;``, as ``atc-dmn batch`` writes it to CSV. Raises
    :class:`~atc_dmn.errors.ModelError` for a workbook that does not load, here on the driver
    before any task starts.
    """
    from .api import load_model, shipped_model_path

    types = _pyspark()
    path = Path(model) if model is not None else shipped_model_path()
    data = path.read_bytes()
    driver_model = load_model(path)
    sha256 = hashlib.sha256(data).hexdigest()
    inputs = [v.key for v in driver_model.model.variables_with_role("input")]
    outputs = [v.key for v in driver_model.model.variables_with_role("output")]
    read = [c for c in df.columns if c in inputs]
    from .batch.columns import misspelt_inputs

    typos = [(c, near) for c, near in misspelt_inputs(df.columns, inputs) if c not in keep]
    if typos:
        name, near = typos[0]
        raise InputError(
            name,
            None,
            inputs,
            f"column {name} is not an input of the model (did you mean {near}?); it would be passed through "
            f"and the input left unknown. Rename it, or name it in keep=[...] to pass it through",
            code="UNKNOWN_COLUMN",
        )
    taken = set(df.columns)
    added = [f"decision_{o}" for o in outputs] + list(TAIL)
    clash = [c for c in added if c in taken]
    if clash:
        raise InputError(
            clash[0],
            None,
            (),
            f"the DataFrame has a column {clash[0]} already: the decision would overwrite it",
            code="COLUMN_CLASH",
        )
    schema = types.StructType(
        [*df.schema.fields, *(types.StructField(name, types.StringType(), True) for name in added)]
    )
    shared = df.sparkSession.sparkContext.broadcast(data)
    plan = _Plan(sha256, tuple(read), tuple(outputs))

    def decide(frames: Iterator[Any]) -> Iterator[Any]:
        engine = _worker_model(shared.value, plan.sha256)
        for frame in frames:
            yield _decide_frame(engine, plan, frame)

    return df.mapInPandas(decide, schema)


@dataclass(frozen=True)
class _Plan:
    sha256: str
    read: tuple[str, ...]
    outputs: tuple[str, ...]


_models: dict[str, DecisionModel] = {}


def _worker_model(data: bytes, sha256: str) -> DecisionModel:
    """The model compiled once per Python worker, from the broadcast bytes."""
    engine = _models.get(sha256)
    if engine is None:
        from .api import load_model

        if hashlib.sha256(data).hexdigest() != sha256:
            raise RuntimeError("the broadcast workbook does not match the driver's SHA-256")
        folder = Path(tempfile.gettempdir()) / "atc-dmn-spark"
        folder.mkdir(exist_ok=True)
        file = folder / f"{sha256}.xlsx"
        if not file.exists():
            partial = folder / f"{sha256}.{os.getpid()}.part"
            partial.write_bytes(data)
            os.replace(partial, file)
        engine = _models[sha256] = load_model(file)
    return engine


def _decide_frame(engine: DecisionModel, plan: _Plan, frame: Any) -> Any:
    """One pandas batch: the decision columns added, row by row."""
    from .batch.outcome import error_code

    n = len(frame)
    columns: dict[str, list[Any]] = {f"decision_{o}": [None] * n for o in plan.outputs}
    tail: dict[str, list[Any]] = {name: [None] * n for name in TAIL}
    identity = engine.identity
    tail["model_version"] = [identity.version] * n
    tail["model_sha256"] = [identity.sha256] * n
    values = [frame[c].tolist() for c in plan.read]
    for i in range(n):
        case = {}
        for name, column in zip(plan.read, values):
            value = _plain(column[i])
            if value is not None:
                case[name] = value
        try:
            decision = engine.evaluate(case).decision
        except (InputError, EvaluationError) as error:
            tail["error_code"][i] = error_code(error)
            tail["error_field"][i] = getattr(error, "field", None)
            tail["error"][i] = str(error)
            continue
        for o in plan.outputs:
            value = decision[o]
            columns[f"decision_{o}"][i] = ";".join(map(str, value)) if isinstance(value, list) else str(value)
    out = frame.copy()
    for name, column in {**columns, **tail}.items():
        out[name] = column
    return out


def _plain(value: Any) -> Any:
    """A pandas cell as a case's value: NaN and NaT are unknown, numpy scalars plain Python, dates ISO text."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    item = getattr(value, "item", None)
    if item is not None and not isinstance(value, str | bytes):
        with contextlib.suppress(TypeError, ValueError):
            value = item()
    iso = getattr(value, "isoformat", None)
    if iso is not None and not isinstance(value, str):
        try:
            import pandas as pd

            if value is pd.NaT:
                return None
        except ImportError:  # pragma: no cover - pandas comes with the spark extra
            pass
        return iso()
    return value


# -- atc-dmn batch --engine spark --------------------------------------------------------------------------


def session(app: str = "atc-dmn batch") -> SparkSession:
    """The Spark session: local (all cores) unless spark-submit or the environment sets a master."""
    _pyspark()
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app)
    if not SparkConf().contains("spark.master"):
        builder = builder.master(os.environ.get("ATC_DMN_SPARK_MASTER", "local[*]"))
    spark = builder.config("spark.ui.showConsoleProgress", "false").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _kind(path: str, given: str | None) -> str:
    if given:
        return given
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".parquet" or Path(path).is_dir():
        return "parquet"
    raise InputError(
        None,
        path,
        ("csv", "parquet"),
        f"{path}: --engine spark reads and writes Parquet or CSV; say which with "
        "--input-format / --format, or name the file .parquet or .csv",
        code="BAD_OPTION",
    )


def _csv_options(path: str) -> tuple[dict[str, str], list[str] | None]:
    """A CSV file's separator (and UTF-16) as ``batch`` tells them, for Spark's reader, and its header's names.

    A folder of part files (or an empty file) gets Spark's defaults and no names: Spark reads its header.
    """
    if Path(path).is_dir():
        return {}, None
    from .batch.csv_rows import read_header
    from .batch.source import MAX_ROW, open_source

    source = open_source(path, "csv")
    try:
        text = source.text()
        head = read_header(text, MAX_ROW)
        encoding = text.encoding
    finally:
        source.close()
    options = {"sep": head[1]} if head else {}
    if encoding == "utf-16":
        options["encoding"] = "UTF-16"
    return options, head[0] if head else None


def run_files(
    model: DecisionModel,
    input_path: str,
    output: str | None,
    *,
    fmt: str | None = None,
    input_format: str | None = None,
    id_column: str | None = None,
    keep: Sequence[str] = (),
) -> Summary:
    """``atc-dmn batch --engine spark INPUT OUTPUT``: Parquet or CSV in, the same columns as ``batch`` writes out.

    The output is a folder of part files, as Spark writes; an existing one is refused, never overwritten.
    """
    import time

    from .batch.columns import plan
    from .batch.run import Summary

    if not output or output == "-":
        raise InputError(
            "OUTPUT",
            None,
            (),
            "--engine spark writes a folder: give OUTPUT (for example results.parquet)",
            code="BAD_OPTION",
        )
    if input_path == "-":
        raise InputError(
            "INPUT", "-", (), "--engine spark reads a file or folder, not standard input", code="BAD_OPTION"
        )
    if not Path(input_path).exists():
        raise InputError(None, input_path, (), f"no input at {input_path}", code="UNREADABLE")
    if Path(output).exists():
        raise InputError(
            None,
            output,
            (),
            f"{output} exists already; Spark writes a new folder: remove it or name another",
            code="OUTPUT_EXISTS",
        )
    kind_in = _kind(input_path, input_format)
    kind_out = _kind(output, fmt)
    for kind, option in ((kind_in, "--input-format"), (kind_out, "--format")):
        if kind not in ("csv", "parquet"):
            raise InputError(
                option,
                kind,
                ("csv", "parquet"),
                f"{option} {kind}: --engine spark reads and writes csv or parquet",
                code="BAD_OPTION",
            )
    start = time.perf_counter()
    spark = session()
    types = _pyspark()
    if kind_in == "csv":
        # A row without one cell per column is Spark's "corrupt record": kept aside, so that it fails as in batch
        # instead of being answered with its cells padded or cut.
        options, header = _csv_options(input_path)
        if header is None:
            header = spark.read.options(header=True, inferSchema=False, **options).csv(input_path).columns
        schema = types.StructType([types.StructField(c, types.StringType()) for c in [*header, _UNREADABLE]])
        reader = spark.read.options(header=True, mode="PERMISSIVE", columnNameOfCorruptRecord=_UNREADABLE, **options)
        df = reader.schema(schema).csv(input_path)
    else:
        df = spark.read.parquet(input_path)
    inputs = [v.key for v in model.model.variables_with_role("input")]
    outputs = [v.key for v in model.model.variables_with_role("output")]
    columns = plan(inputs, outputs, [c for c in df.columns if c != _UNREADABLE], id_column, tuple(keep))
    decided = evaluate(df, model.identity.path, keep=(*columns.kept, _UNREADABLE))
    if _UNREADABLE in df.columns:
        from pyspark.sql import functions as F

        bad = F.col(_UNREADABLE).isNotNull()
        message = "the row does not have one cell per column of the header"
        replaced = {f"decision_{o}": F.lit(None) for o in outputs}
        replaced |= {"error_code": F.lit("BAD_CSV"), "error_field": F.lit(None), "error": F.lit(message)}
        decided = decided.select(
            *(
                F.when(bad, replaced[c]).otherwise(F.col(c)).alias(c) if c in replaced else F.col(c)
                for c in decided.columns
            )
        )
    order = [*columns.kept, *(c for c in inputs if c in df.columns), *(f"decision_{o}" for o in outputs), *TAIL]
    from pyspark.sql import functions as F

    result = decided.select(*order)
    if kind_out == "csv":
        # As batch writes CSV: a text a spreadsheet would run as a formula gets a leading apostrophe.
        texts = [f.name for f in result.schema.fields if f.dataType.typeName() == "string"]
        result = result.select(
            *(
                F.when(F.col(c).rlike("^[=+\\-@\t\r]"), F.concat(F.lit("'"), F.col(c))).otherwise(F.col(c)).alias(c)
                if c in texts
                else F.col(c)
                for c in result.columns
            )
        )
        result.write.option("header", True).csv(output)
    else:
        result.write.parquet(output)
    written = spark.read.parquet(output) if kind_out == "parquet" else spark.read.option("header", True).csv(output)
    counts = written.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count("error_code").alias("errors"),
        F.sum(F.when(F.col("error_code") == "NO_DECISION", 1).otherwise(0)).alias("gaps"),
    ).collect()[0]
    label = [columns.id_column] if columns.id_column else []
    failed = written.where(F.col("error_code").isNotNull()).select(*label, "error").limit(3).collect()
    first = [f"{columns.id_column} {r[0]}: {r['error']}" if label else r["error"] for r in failed]
    summary = Summary(
        input_path, output, counts["rows"], counts["errors"], counts["gaps"] or 0, time.perf_counter() - start
    )
    summary.first_errors = [m for m in first if m]
    if summary.rows == 0:
        summary.empty = "no rows"
    return summary
