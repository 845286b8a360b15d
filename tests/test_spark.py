"""Apache Spark on a local ``local[2]`` session: every row of the input space against the API's answer.

``atc_dmn.spark.evaluate`` adds the decision columns to a DataFrame; ``atc-dmn batch --engine spark``
reads and writes Parquet or CSV. The JVM starts once for the module (about 10 s here).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from batch_tools import INPUTS, OUTPUTS, cell, every_case, text, write_csv
from click.testing import CliRunner

from atc_dmn.cli import main
from atc_dmn.errors import InputError

pyspark = pytest.importorskip("pyspark", reason="pip install 'atc-dmn[spark]'")

CASES = every_case()
runner = CliRunner()


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("atc-dmn tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def api_answer(model, case) -> dict[str, str | None]:
    """The decision columns the API's answer gives (actions joined with ;), or the error's code and field."""
    try:
        decision = model.evaluate(case).decision
    except InputError as error:
        return {**{f"decision_{o}": None for o in OUTPUTS}, "error_code": error.code, "error_field": error.field}
    return {**{f"decision_{o}": cell(decision[o]) for o in OUTPUTS}, "error_code": None, "error_field": None}


def test_every_combination_through_spark_matches_the_api(spark, model):
    import pandas as pd

    from atc_dmn import spark as atc_spark

    rows = [(f"P{i:05d}", *(text(c.get(k)) or None for k in INPUTS)) for i, c in enumerate(CASES)]
    frame = pd.DataFrame(rows, columns=["id", *INPUTS])
    df = spark.createDataFrame(frame, ", ".join(f"{name} string" for name in ["id", *INPUTS]))
    assert df.rdd.getNumPartitions() == 2  # both local workers take a share
    out = sorted(atc_spark.evaluate(df).collect(), key=lambda r: r["id"])
    assert len(out) == len(CASES)
    for i, (row, case) in enumerate(zip(out, CASES)):
        assert row["id"] == f"P{i:05d}"
        assert {k: row[k] for k in api_answer(model, case)} == api_answer(model, case), case
        assert (row["model_version"], row["model_sha256"]) == (model.identity.version, model.identity.sha256)
        assert [row[k] for k in INPUTS] == [text(case.get(k)) or None for k in INPUTS]  # its own columns untouched


def test_typed_columns_and_nulls(spark, model):
    from atc_dmn import spark as atc_spark

    cases = CASES[:2_000:3]
    schema = (
        "id string, diagnosis_confirmed boolean, stage string, resectable boolean, clinical_trial_available boolean"
    )
    rows = [
        (f"P{i}", c.get("diagnosis_confirmed"), c.get("stage"), c.get("resectable"), c.get("clinical_trial_available"))
        for i, c in enumerate(cases)
    ]
    out = {r["id"]: r for r in atc_spark.evaluate(spark.createDataFrame(rows, schema)).collect()}
    for i, c in enumerate(cases):
        case = {k: c[k] for k in ("diagnosis_confirmed", "stage", "resectable", "clinical_trial_available") if k in c}
        assert {k: out[f"P{i}"][k] for k in api_answer(model, case)} == api_answer(model, case)


def test_an_invalid_row_gets_its_error_and_no_row_is_dropped(spark, model):
    from atc_dmn import spark as atc_spark

    df = spark.createDataFrame(
        [("a", "true", "IVB"), ("b", "maybe", "IVB"), ("c", "true", "IVD")],
        "id string, diagnosis_confirmed string, stage string",
    )
    out = {r["id"]: r for r in atc_spark.evaluate(df).collect()}
    assert out["a"]["decision_stage"] == "IVB" and out["a"]["error"] is None
    assert (out["b"]["error_code"], out["b"]["error_field"]) == ("WRONG_TYPE", "diagnosis_confirmed")
    assert out["c"]["error_field"] == "stage" and "IVD" in out["c"]["error"]
    assert out["b"]["decision_pathway"] is None


def test_a_column_the_decision_would_overwrite_is_refused(spark):
    from atc_dmn import spark as atc_spark

    df = spark.createDataFrame([("x", "IVB")], "decision_stage string, stage string")
    with pytest.raises(InputError) as raised:
        atc_spark.evaluate(df)
    assert raised.value.code == "COLUMN_CLASH" and raised.value.field == "decision_stage"


def test_batch_engine_spark_csv_to_parquet_and_parquet_to_csv(spark, model, tmp_path):
    cases = CASES[::20]
    source = write_csv(tmp_path / "cohort.csv", cases, delimiter=";")
    parquet = tmp_path / "results.parquet"
    done = runner.invoke(main, ["batch", "--engine", "spark", str(source), str(parquet)])
    assert done.exit_code == 1, done.output  # the stage-fit cases hold refused stages
    assert done.stderr.startswith(f"{len(cases):,} rows, ")
    table = {r["id"]: r for r in spark.read.parquet(str(parquet)).collect()}
    assert list(spark.read.parquet(str(parquet)).columns) == [
        "id",
        *INPUTS,
        *(f"decision_{o}" for o in OUTPUTS),
        "model_version",
        "model_sha256",
        "error_code",
        "error_field",
        "error",
    ]
    for i, case in enumerate(cases):
        row = table[f"P{i:05d}"]
        assert {k: row[k] for k in api_answer(model, case)} == api_answer(model, case)
    # and back: Parquet in, CSV out (a folder of part files, as Spark writes)
    out = tmp_path / "again.csv"
    done = runner.invoke(
        main,
        [
            "batch",
            "--engine",
            "spark",
            str(parquet),
            str(out),
            "--format",
            "csv",
            "--keep-columns",
            ",".join(c for c in spark.read.parquet(str(parquet)).columns if c not in INPUTS and c != "id"),
        ],
    )
    assert done.exit_code == 2 and "is named twice" not in done.stderr  # decision columns would be overwritten
    assert "decision_stage" in done.stderr
    slim = tmp_path / "slim.parquet"
    spark.read.parquet(str(parquet)).select("id", *INPUTS).write.parquet(str(slim))
    done = runner.invoke(main, ["batch", "--engine", "spark", str(slim), str(out), "--format", "csv"])
    assert done.exit_code == 1
    rows = [r for part in sorted(Path(out).glob("part-*.csv")) for r in csv.DictReader(io.StringIO(part.read_text()))]
    assert sorted(r["id"] for r in rows) == sorted(table)
    for r in rows:
        i = int(r["id"][1:])
        want = api_answer(model, cases[i])
        assert {k: (r[k] or None) for k in want} == want


def test_batch_engine_spark_refuses_what_it_cannot_do(tmp_path, spark):
    source = write_csv(tmp_path / "cohort.csv", CASES[:10])
    existing = tmp_path / "exists.parquet"
    existing.mkdir()
    for args, said in (
        ([str(source), str(existing)], "exists already"),
        ([str(source)], "give OUTPUT"),
        ([str(source), str(tmp_path / "o.parquet"), "--jobs", "2"], "--jobs is not for --engine spark"),
        ([str(source), str(tmp_path / "o.txt")], "Parquet or CSV"),
    ):
        done = runner.invoke(main, ["batch", "--engine", "spark", *args])
        assert done.exit_code == 2, (args, done.output)
        assert said in done.stderr, done.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("id,stgae\n1,IVB\n", encoding="utf-8")
    done = runner.invoke(main, ["batch", "--engine", "spark", str(bad), str(tmp_path / "o.parquet")])
    assert done.exit_code == 2 and "column stgae (did you mean stage?): not an input of the model" in done.stderr


def test_a_column_that_looks_like_a_misspelt_input_is_refused_unless_kept(spark, model):
    from atc_dmn import spark as atc_spark

    df = spark.createDataFrame(
        [("P1", "true", "IVC", "North")], "id string, diagnosis_confirmed string, stgae string, site string"
    )
    with pytest.raises(InputError) as raised:
        atc_spark.evaluate(df)
    assert raised.value.code == "UNKNOWN_COLUMN" and raised.value.field == "stgae"
    assert "did you mean stage?" in str(raised.value)
    row = atc_spark.evaluate(df, keep=["stgae"]).collect()[0]
    assert row["site"] == "North" and row["stgae"] == "IVC"  # other columns pass through untouched
    assert row["decision_stage"] == model.evaluate({"diagnosis_confirmed": True}).decision["stage"]


def test_batch_engine_spark_fails_a_row_of_the_wrong_width_as_batch_does(spark, tmp_path):
    source = tmp_path / "cohort.csv"
    source.write_text(
        "id,diagnosis_confirmed,stage\nP1,true,IVB\nP2,true\nP3,true,IVC,extra\nP4,true,IVC\n", encoding="utf-8"
    )
    out = tmp_path / "results.parquet"
    done = runner.invoke(main, ["batch", "--engine", "spark", str(source), str(out)])
    assert done.exit_code == 1, done.output
    rows = {r["id"]: r for r in spark.read.parquet(str(out)).collect()}
    assert sorted(rows) == ["P1", "P2", "P3", "P4"]
    assert [rows[i]["error_code"] for i in ("P1", "P2", "P3", "P4")] == [None, "BAD_CSV", "BAD_CSV", None]
    assert rows["P2"]["decision_pathway"] is None and rows["P3"]["decision_stage"] is None
    assert rows["P4"]["decision_stage"] == "IVC"
    assert "_atc_dmn_unreadable_row" not in spark.read.parquet(str(out)).columns
    assert "id P2: the row does not have one cell per column" in done.stderr
