"""One local Spark session for `trdnav.views` (pyspark is the optional extra ``trdnav[spark]``).

Local mode by default (``local[*]``), quiet logs, few shuffle partitions; ``TRDNAV_SPARK_MASTER``
or `session(master=...)` points elsewhere. A missing pyspark or Java is a `ViewError` naming what
to install, never a traceback.
"""

from __future__ import annotations

import functools
import os
import shutil
from typing import Any

from trdnav.views.errors import ViewError


@functools.cache
def session(master: str | None = None) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ViewError("engine", "spark needs pyspark: pip install 'trdnav[spark]' (and Java 17)") from None
    if shutil.which("java") is None and "JAVA_HOME" not in os.environ:
        raise ViewError("engine", "spark needs Java (17 or later): install openjdk-17-jre-headless")
    builder = (
        SparkSession.builder.appName("trdnav-views")
        .master(master or os.environ.get("TRDNAV_SPARK_MASTER", "local[*]"))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.analyzer.maxIterations", "1000")  # deep lambda nesting (repeat) needs more passes
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
