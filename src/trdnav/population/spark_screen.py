"""The population screen on Apache Spark: the same views and steps as DuckDB, as temporary views
of one Spark session (local mode by default, or any `--master`), over local or Hadoop paths
(`s3a://`, `hdfs://`). The result is written by Spark: `screening.parquet` and `screening.csv`
are folders with one part file each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trdnav.population.bulk_input import BadLine, InputError, bad_lines
from trdnav.population.record_sql import Step
from trdnav.population.screening_views import compiled_views
from trdnav.views.spark_session import spark_session


class SparkScreen:
    engine = "spark"

    def __init__(self, master: str = "local[2]") -> None:
        self.spark = spark_session(master)

    def close(self) -> None:
        for table in self.spark.catalog.listTables():
            if table.isTemporary:
                self.spark.catalog.dropTempView(table.name)
        self.spark.catalog.clearCache()

    def load(self, files: list[str]) -> tuple[int, list[BadLine], int]:
        try:
            self.spark.read.text(files).createOrReplaceTempView("export_lines")
            loaded = self.spark.sql(
                "SELECT resource, variant_get(resource, '$.resourceType', 'string') AS resource_type, "
                "variant_get(resource, '$.id', 'string') AS resource_key "
                "FROM (SELECT try_parse_json(value) AS resource FROM export_lines WHERE trim(value) <> '')"
            ).cache()
            loaded.createOrReplaceTempView("loaded")
            row = self.spark.sql(
                "SELECT count(*) AS total, count_if(resource_type IS NULL OR resource_key IS NULL "
                "OR resource_key = '') AS bad FROM loaded"
            ).collect()[0]
        except Exception as error:  # pyspark raises its own classes (AnalysisException, Py4JJavaError)
            raise InputError(f"cannot read the export: {str(error).strip().splitlines()[0]}") from None
        total, bad = int(row["total"]), int(row["bad"])
        named = [line for _, line in zip(range(5), bad_lines(files), strict=False)] if bad else []
        self.spark.sql(
            "SELECT resource_type, resource FROM loaded WHERE resource_type IS NOT NULL "
            "AND resource_key IS NOT NULL AND resource_key <> ''"
        ).createOrReplaceTempView("resources")
        return total, named, bad

    def run(self, steps: list[Step], progress: Callable[[str], None]) -> None:
        for name, compiled in compiled_views(self.engine).items():
            progress(f"view {name}")
            self.spark.sql(compiled.sql).cache().createOrReplaceTempView(name)
        for name, select in steps:
            progress(name)
            # each step is computed once and its lineage cut: later steps read it more than once, and
            # a plan that carried every earlier step would grow with each (its text alone exhausts memory)
            self.spark.sql(select).localCheckpoint(eager=True).createOrReplaceTempView(name)

    def write(self, out: str, csv_select: str) -> None:
        base = out.rstrip("/")
        table = self.spark.table("screening").coalesce(1)
        table.write.mode("overwrite").parquet(f"{base}/screening.parquet")
        written = self.spark.read.parquet(f"{base}/screening.parquet")
        written.createOrReplaceTempView("screening")
        csv = self.spark.sql(f"SELECT {csv_select} FROM screening").coalesce(1)
        csv.write.mode("overwrite").option("header", True).csv(f"{base}/screening.csv")
        self.spark.catalog.dropTempView("loaded")

    def query(self, select: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.spark.sql(select).collect()]

    def write_text(self, path: str, text: str) -> None:
        """A small file at a local or Hadoop path, through Hadoop's FileSystem."""
        jvm = self.spark.sparkContext._jvm
        target = jvm.org.apache.hadoop.fs.Path(path)
        filesystem = target.getFileSystem(self.spark.sparkContext._jsc.hadoopConfiguration())
        stream = filesystem.create(target, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()
