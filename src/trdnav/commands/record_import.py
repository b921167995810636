"""`trdnav fhir import PATH [--patient ID] [--json]`: a FHIR R4 record as an answers document.

With `--json` it prints exactly the document (contract v1 with `sources`), so that
`trdnav fhir import PATH --json | trdnav assess -` works; without it, a readable list of what was
found and where. A bad record exits 2 with the message, never a traceback.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from trdnav.fhir import RecordError, import_record
from trdnav.knowledge.loader import KnowledgeBase, load

fhir_app = typer.Typer(help="FHIR R4 health records: import one as answers.", no_args_is_help=True)
INPUT_ERROR = 2


def _value_text(kb: KnowledgeBase, item: str, value: Any) -> str:
    if item == "failed_antidepressant_trials":
        return f"{value} (to confirm with the person: taken long enough, did not help enough?)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _source_text(source: dict[str, str]) -> str:
    parts = [source.get("display") or source.get("code") or "", source.get("resource", "")]
    if source.get("date"):
        born = source.get("resource", "").startswith("Patient/")
        parts.append(f"{'born' if born else 'recorded'} {source['date'][:10]}")
    if source.get("status"):
        parts.append(source["status"])
    return " · ".join(p for p in parts if p)


def render_import(console: Console, kb: KnowledgeBase, document: dict[str, Any]) -> None:
    answers: dict[str, Any] = document["answers"]
    if not answers:
        console.print(
            "Nothing in this record answers an intake question. Every question stays for the person."
        )
        return
    table = Table(title="Found in the health record (the person confirms or corrects each one)")
    table.add_column("question")
    table.add_column("answer")
    table.add_column("from")
    for item, value in answers.items():
        sources = document["sources"].get(item, [])
        table.add_row(item, _value_text(kb, item, value), "\n".join(_source_text(s) for s in sources))
    console.print(table)
    console.print("A record can say yes or not sure, never no: questions it does not cover stay unanswered.")


@fhir_app.command("import")
def fhir_import(
    path: Annotated[str, typer.Argument(help="A FHIR R4 Bundle JSON file, or a bulk-export NDJSON folder.")],
    patient: Annotated[
        str | None, typer.Option("--patient", help="The Patient id, when there are several.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the answers document (contract v1).")
    ] = False,
) -> None:
    """Read a health record and show what it answers, with where each answer came from."""
    try:
        document = import_record(path, patient)
    except RecordError as error:
        Console(stderr=True, soft_wrap=True).print(f"Cannot import: {error}", markup=False, highlight=False)
        raise typer.Exit(INPUT_ERROR) from None
    if as_json:
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        render_import(Console(), load(), document)
