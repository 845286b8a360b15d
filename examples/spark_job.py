"""The model over a Parquet cohort with Apache Spark: ``spark-submit examples/spark_job.py IN OUT [WORKBOOK]``.

Locally, or on a cluster whose driver and executors have ``atc-dmn[spark]`` installed; the
workbook is read on the driver and broadcast (default: the shipped ATC model).
"""

import sys

from pyspark.sql import SparkSession

from atc_dmn import spark as atc_spark

source, target = sys.argv[1], sys.argv[2]
workbook = sys.argv[3] if len(sys.argv) > 3 else None
spark = SparkSession.builder.appName("atc-dmn cohort").getOrCreate()
decided = atc_spark.evaluate(spark.read.parquet(source), model=workbook)
decided.write.parquet(target)
written = spark.read.parquet(target)  # counted from what was written, not decided again
print(f"{target}: {written.count():,} rows, {written.where('error_code is not null').count():,} failed")
spark.stop()
