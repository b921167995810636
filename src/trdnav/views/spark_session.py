"""One cached local Spark session for `engine="spark"`: quiet logs, few shuffle partitions.

pyspark is the optional extra `trdnav[spark]` and Spark needs Java (17); when either is missing
the error says which and how to install it.
"""

from __future__ import annotations

import os
import shutil
from functools import cache
from typing import Any

from trdnav.views.errors import ViewError


class SparkUnavailable(ViewError):
    """pyspark or Java is missing."""


def _check_java() -> None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.path.exists(os.path.join(java_home, "bin", "java")):
        return
    if shutil.which("java") is None:
        raise SparkUnavailable(
            "engine 'spark' needs Java 17: install it (Debian: apt-get install openjdk-17-jre-headless) "
            "or set JAVA_HOME"
        )


@cache
def spark_session(master: str = "local[2]") -> Any:
    """The local Spark session (created once per process)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable(
            "engine 'spark' needs pyspark: install the extra with pip install 'trdnav[spark]'"
        ) from None
    _check_java()
    builder = SparkSession.builder.master(master).appName("trdnav")
    if master.startswith("local"):  # a cluster keeps its own partitioning and UI settings
        builder = (
            builder.config("spark.driver.memory", os.environ.get("TRDNAV_SPARK_DRIVER_MEMORY", "2g"))
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.ui.enabled", "false")
        )
    builder = (
        builder.config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=OFF")
    )
    try:
        session = builder.getOrCreate()
    except Exception as error:  # the JVM did not start: pyspark raises a bare RuntimeError/PySparkException
        raise SparkUnavailable(f"Spark could not start (is Java 17 installed?): {error}") from None
    session.sparkContext.setLogLevel("OFF")
    return session
