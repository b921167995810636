"""The few functions the screening SQL needs that DuckDB and Spark spell differently."""

from __future__ import annotations

from abc import ABC, abstractmethod


class ScreeningDialect(ABC):
    name = ""

    @abstractmethod
    def days_between(self, earlier: str, later: str) -> str:
        """Whole days from `earlier` to `later` (dates)."""
        ...

    @abstractmethod
    def add_days(self, date: str, days: str) -> str: ...

    @abstractmethod
    def words(self, text: str) -> str:
        """A set-returning select expression: the words of `text` (split on white space)."""
        ...

    @abstractmethod
    def sorted_set(self, value: str) -> str:
        """An aggregate: the distinct non-NULL values, sorted, as a list."""
        ...

    @abstractmethod
    def compact_list(self, values: list[str]) -> str:
        """The non-NULL ones of `values`, in order, as a list of strings."""
        ...

    @abstractmethod
    def join_list(self, values: str, separator: str) -> str: ...

    @abstractmethod
    def explode(self, values: str) -> str:
        """A set-returning select expression: each element of a list."""
        ...

    @abstractmethod
    def squash_spaces(self, text: str) -> str: ...


class DuckDBScreening(ScreeningDialect):
    name = "duckdb"

    def days_between(self, earlier: str, later: str) -> str:
        return f"date_diff('day', {earlier}, {later})"

    def add_days(self, date: str, days: str) -> str:
        return f"CAST({date} + to_days(CAST({days} AS INTEGER)) AS DATE)"

    def words(self, text: str) -> str:
        return f"unnest(string_split({text}, ' '))"

    def sorted_set(self, value: str) -> str:
        return f"list_sort(list_distinct(list({value})))"

    def compact_list(self, values: list[str]) -> str:
        if not values:
            return "CAST([] AS VARCHAR[])"
        return f"list_filter([{', '.join(values)}], lambda x: x IS NOT NULL)"

    def join_list(self, values: str, separator: str) -> str:
        return f"array_to_string({values}, '{separator}')"

    def explode(self, values: str) -> str:
        return f"unnest({values})"

    def squash_spaces(self, text: str) -> str:
        return f"trim(regexp_replace({text}, '\\s+', ' ', 'g'))"


class SparkScreening(ScreeningDialect):
    name = "spark"

    def days_between(self, earlier: str, later: str) -> str:
        return f"datediff({later}, {earlier})"

    def add_days(self, date: str, days: str) -> str:
        return f"date_add({date}, CAST({days} AS INT))"

    def words(self, text: str) -> str:
        return f"explode(split({text}, ' '))"

    def sorted_set(self, value: str) -> str:
        return f"array_sort(collect_set({value}))"

    def compact_list(self, values: list[str]) -> str:
        if not values:
            return "CAST(array() AS array<string>)"
        return f"filter(array({', '.join(values)}), x -> x IS NOT NULL)"

    def join_list(self, values: str, separator: str) -> str:
        return f"array_join({values}, '{separator}')"

    def explode(self, values: str) -> str:
        return f"explode({values})"

    def squash_spaces(self, text: str) -> str:
        return f"trim(regexp_replace({text}, '\\\\s+', ' '))"


DIALECTS: dict[str, ScreeningDialect] = {"duckdb": DuckDBScreening(), "spark": SparkScreening()}
