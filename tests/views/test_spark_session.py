"""`engine="spark"` says what is missing: the `trdnav[spark]` extra (pyspark) or Java."""

from __future__ import annotations

import sys

import pytest

from trdnav.views import spark_session
from trdnav.views.errors import ViewError


def test_without_pyspark_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(ViewError, match=r"pip install 'trdnav\[spark\]'"):
        spark_session.spark_session.__wrapped__("local[1]")


def test_without_java_the_error_names_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", "/nowhere")
    monkeypatch.setattr(spark_session.shutil, "which", lambda name: None)
    with pytest.raises(ViewError, match=r"needs Java 17.*openjdk-17-jre-headless"):
        spark_session.spark_session.__wrapped__("local[1]")
