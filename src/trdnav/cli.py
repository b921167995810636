"""The `trdnav` command line: every capability of the library, for people and scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console

import trdnav
from trdnav.answers_text import JSON_DECODER, read_yaml
from trdnav.commands.cds_clients import cds_app
from trdnav.commands.clinics_and_users import clinics_app, users_app
from trdnav.commands.operations import audit_app, db_app, retention_app
from trdnav.commands.population import population_app
from trdnav.commands.record_import import fhir_app
from trdnav.commands.reminders import reminders_app
from trdnav.commands.views import views_app
from trdnav.crisis import countries, country_resources, urgent, with_crisis
from trdnav.knowledge.loader import KnowledgeError, load
from trdnav.reports.rules_doc import rules_markdown
from trdnav.reports.terminal import alert_panels, render_assessment, render_comparison
from trdnav.settings import Settings

app = typer.Typer(
    help="TRD Navigator: compare interventional treatments for depression.", no_args_is_help=True
)
knowledge_app = typer.Typer(help="Check and document the clinical knowledge base.", no_args_is_help=True)
app.add_typer(knowledge_app, name="knowledge")
app.add_typer(clinics_app, name="clinics")
app.add_typer(users_app, name="users")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(retention_app, name="retention")
app.add_typer(reminders_app, name="reminders")
app.add_typer(fhir_app, name="fhir")
app.add_typer(cds_app, name="cds")
app.add_typer(views_app, name="views")
app.add_typer(population_app, name="population")

INPUT_ERROR = 2
err = Console(stderr=True, soft_wrap=True)


def _fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        err.print(line, markup=False, highlight=False)
    return typer.Exit(INPUT_ERROR)


def _read_document(source: str) -> Any:
    """Parse a JSON or YAML answers document from a path or '-' (standard input)."""
    if source == "-":
        text, name = sys.stdin.read(), "standard input"
    else:
        path = Path(source)
        try:
            text, name = path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as error:
            raise _fail([f"Cannot read {source}: {getattr(error, 'strerror', None) or error}"]) from None
    try:
        if name.endswith(".json") or text.lstrip().startswith(("{", "[")):
            return JSON_DECODER.decode(text)
        return read_yaml(text)
    except json.JSONDecodeError as error:
        raise _fail(
            [f"{name} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"]
        ) from None
    except ValueError as error:  # NaN or Infinity
        raise _fail([f"{name} is not valid JSON: {error}"]) from None
    except yaml.YAMLError as error:
        raise _fail([f"{name} is not valid YAML: {error}"]) from None


def _therapy_list(therapies: str | None) -> list[str] | None:
    return [t.strip() for t in therapies.split(",") if t.strip()] if therapies else None


TherapiesOption = Annotated[
    str | None,
    typer.Option(help="Comma-separated therapies to compare, e.g. tms,iv_ketamine,esketamine."),
]


@app.command()
def assess(
    file: Annotated[str, typer.Argument(help="Answers document (JSON or YAML), or - for standard input.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the contract v1 JSON result.")] = False,
    therapies: TherapiesOption = None,
    country: Annotated[
        str,
        typer.Option(
            envvar="TRDNAV_COUNTRY",
            help="Country whose crisis resources to show (two letters; default: the TRDNAV_COUNTRY setting).",
        ),
    ] = Settings.model_fields["country"].default,
) -> None:
    """Assess one person's answers: safety per therapy, practical fit, priorities, scores.

    Answers that raise an urgent alert (PHQ-9 item 9 above 0) come with the crisis resources,
    even when the answers are refused: then they are printed before the error."""
    country = country.upper()
    if country not in countries():
        raise _fail(
            [f"--country: no crisis resources for {country!r}; expected one of {', '.join(countries())}"]
        )
    document = _read_document(file)
    try:
        result = with_crisis(trdnav.assess(document, _therapy_list(therapies)), country_resources(country))
    except trdnav.InvalidAnswers as error:
        if urgent(error.alerts):
            panels = Console(stderr=True)  # wraps inside the panels; `err` would cut their lines short
            for panel in alert_panels(error.alerts, country_resources(country).as_json()):
                panels.print(panel)
        raise _fail(
            ["The answers are not valid:"] + [f"  - {p.item}: {p.message}" for p in error.problems]
        ) from None
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        render_assessment(Console(), load(), result)


@app.command()
def compare(therapies: TherapiesOption = None) -> None:
    """Show the side-by-side comparison of the options, with sources (no answers needed)."""
    kb = load()
    chosen = _therapy_list(therapies) or list(kb.manifest.default_therapies)
    unknown = [t for t in chosen if t not in kb.therapies]
    if unknown:
        raise _fail([f"therapies: unknown {unknown}; expected some of: {', '.join(kb.therapies)}"])
    render_comparison(Console(), kb, chosen)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Run the patient web app and its API. Settings come from TRDNAV_ environment variables."""
    from trdnav.web.serve import ServeError, serve, settings_from_environment  # the web stack loads here

    try:
        serve(settings_from_environment(), host=host, port=port, announce=typer.echo)
    except ServeError as error:
        raise _fail(["TRD Navigator cannot start:"] + [f"  - {line}" for line in error.lines]) from None


@knowledge_app.command("check")
def knowledge_check() -> None:
    """Validate the knowledge base; count rules and citations; list unverified facts."""
    try:
        kb = load()
    except KnowledgeError as error:
        err.print(f"The knowledge base has {len(error.problems)} problem(s):", style="bold red")
        raise _fail([f"  - {p}" for p in error.problems]) from None
    console = Console()
    facts = sum(len(t.facts()) for t in kb.therapies.values())
    console.print(f"Knowledge base {kb.version} (contract {kb.manifest.contract_version}) is valid.")
    console.print(
        f"  {len(kb.items)} items, {len(kb.therapies)} therapies, {facts} facts,"
        f" {len(kb.rules)} safety rules,"
        f" {len(kb.considerations)} considerations, {len(kb.barriers)} practical barriers,"
        f" {len(kb.instruments)} instruments, {len(kb.citations)} citations."
    )
    if kb.value_sets is not None:
        sets = kb.value_sets.value_sets
        codes = sum(len(vs.codes) for vs in sets)
        console.print(f"  {len(sets)} record value sets with {codes} codes (FHIR import).")
    unverified = kb.unverified_facts()
    console.print(f"  {len(unverified)} fact(s) are labelled unverified and shown as such:")
    for where, fact in unverified:
        console.print(f"    - {where}: {fact.text}", markup=False)


@knowledge_app.command("docs")
def knowledge_docs(
    output: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
) -> None:
    """Generate docs/rules.md from the knowledge base."""
    text = rules_markdown(load())
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")


def main() -> None:
    try:
        app()
    except KnowledgeError as error:
        err.print("The installed knowledge base is invalid; run 'trdnav knowledge check'.", style="bold red")
        for problem in error.problems:
            err.print(f"  - {problem}", markup=False)
        raise SystemExit(1) from None


if __name__ == "__main__":  # spark-submit runs this file as the application
    main()
