"""The `trdnav` command line, as a person or a script uses it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import all_no
from trdnav.cli import app

EXAMPLES = Path(__file__).parent.parent / "examples"
runner = CliRunner(env={"COLUMNS": "200"})


def test_assess_json_is_the_contract_result() -> None:
    outcome = runner.invoke(app, ["assess", str(EXAMPLES / "tms-leaning.json"), "--json"])
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.stdout)
    assert result["contract"] == 1
    assert result["leaning"] == "tms"
    assert result["therapies"]["tms"]["safety"] == "no_known_concerns"


def test_assess_reads_yaml_and_chosen_therapies() -> None:
    outcome = runner.invoke(
        app, ["assess", str(EXAMPLES / "cochlear-implant.yaml"), "--json", "--therapies", "tms,esketamine"]
    )
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.stdout)
    assert list(result["therapies"]) == ["tms", "esketamine"]
    assert result["therapies"]["tms"]["safety"] == "contraindicated"
    assert result["therapies"]["esketamine"]["unanswered"] == ["high_blood_pressure_uncontrolled"]


def test_assess_reads_standard_input() -> None:
    document = json.dumps({"version": 1, "answers": {"phq9": [0, 0, 0, 0, 0, 0, 0, 0, 3]}})
    outcome = runner.invoke(app, ["assess", "-", "--json"], input=document)
    assert outcome.exit_code == 0, outcome.output
    assert [a["id"] for a in json.loads(outcome.stdout)["alerts"]] == ["suicide_risk"]


def test_report_shows_alerts_before_anything_else() -> None:
    outcome = runner.invoke(app, ["assess", str(EXAMPLES / "item9-positive.json")])
    assert outcome.exit_code == 0, outcome.output
    text = outcome.stdout
    assert text.index("988") < text.index("Your results side by side")
    assert "Please read first" in text


def test_report_explains_safety_priorities_and_sources() -> None:
    outcome = runner.invoke(app, ["assess", str(EXAMPLES / "cochlear-implant.yaml")])
    text = outcome.stdout
    assert "TMS.SAFETY.COCHLEAR_IMPLANT" in text
    assert "cochlear implant" in text
    assert "Do you have high blood pressure that is not well controlled?" in text  # unanswered, as a question
    assert "not a medical device" in text and "off-label" in text


def test_report_says_the_leaning_is_not_a_prescription() -> None:
    text = runner.invoke(app, ["assess", str(EXAMPLES / "tms-leaning.json")]).stdout
    assert "lean toward Transcranial magnetic stimulation" in text
    assert "not a recommendation" in text


def _report(tmp_path: Path, **answers: object) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(all_no(**answers)), encoding="utf-8")
    outcome = runner.invoke(app, ["assess", str(path)])
    assert outcome.exit_code == 0, outcome.stdout
    return " ".join(outcome.stdout.replace("│", " ").split())


def test_report_for_the_only_option_left_never_says_it_sums_up_priorities(tmp_path: Path) -> None:
    """The old report said both "you have not told us what matters to you" and "this sums up your
    own priorities" on one screen when a single option remained."""
    text = _report(tmp_path, cochlear_implant="yes")
    assert (
        "IV ketamine infusions is the only option left. The others did not pass the safety questions" in text
    )
    assert "sums up" not in text
    assert "You have not told us what matters to you yet, so nothing points to an option." in text


def test_report_without_priorities_never_speaks_of_what_the_person_said_matters() -> None:
    """With no priority stated, the leaning words must not claim the person said something matters."""
    outcome = runner.invoke(app, ["assess", "-"], input=json.dumps({"version": 1, "answers": {}}))
    text = " ".join(outcome.stdout.replace("│", " ").split())
    assert "You have not told us what matters to you yet" in text
    assert "No priority you told us about points to an option that is left." in text
    assert "things you said matter to you" not in text


def test_report_shows_the_tally_with_the_top_priority_multiplier(tmp_path: Path) -> None:
    text = _report(
        tmp_path,
        needs_fast_relief="yes",
        open_to_altered_state="no",
        top_priorities=["open_to_altered_state"],
    )
    assert "How your answers add up:" in text
    assert "TMS: 4 points - How the treatment feels (a dream-like feeling or not): 4 = 2 x 2" in text
    assert "lean toward Transcranial magnetic stimulation" in text


def test_bad_input_exits_2_naming_each_item_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": 1, "answers": {"age": "forty", "phq9": [1, 2], "metal": "no"}}))
    outcome = runner.invoke(app, ["assess", str(bad)])
    assert outcome.exit_code == 2
    assert "age: expected a whole number from 0 to 120, got 'forty'" in outcome.stderr
    assert "phq9: expected a list of 9 whole numbers" in outcome.stderr
    assert "metal: is not a question" in outcome.stderr
    assert "Traceback" not in outcome.output


def test_unreadable_and_malformed_files_exit_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["assess", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "Cannot read" in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": 1, "answers": {')
    outcome = runner.invoke(app, ["assess", str(broken)])
    assert outcome.exit_code == 2 and "is not valid JSON" in outcome.stderr and "line 1" in outcome.stderr


def test_unknown_therapy_exits_2() -> None:
    outcome = runner.invoke(app, ["assess", str(EXAMPLES / "tms-leaning.json"), "--therapies", "tms,laser"])
    assert outcome.exit_code == 2
    assert "therapies: 'laser' is not a therapy" in outcome.stderr


def test_knowledge_check_counts_and_lists_unverified() -> None:
    outcome = runner.invoke(app, ["knowledge", "check"])
    assert outcome.exit_code == 0, outcome.output
    assert "is valid" in outcome.stdout
    assert "safety rules" in outcome.stdout and "citations" in outcome.stdout
    assert "labelled unverified" in outcome.stdout


def test_compare_shows_the_option_grid_with_sources() -> None:
    outcome = runner.invoke(app, ["compare", "--therapies", "iv_ketamine,tms,ect"])
    assert outcome.exit_code == 0, outcome.output
    text = outcome.stdout
    for question in ("What happens during a session?", "How soon might it help?", "Cost and insurance?"):
        assert question in text
    assert "Sources" in text and "doi.org" in text
    bad = runner.invoke(app, ["compare", "--therapies", "magic"])
    assert bad.exit_code == 2


def test_every_example_is_valid() -> None:
    for example in sorted(EXAMPLES.iterdir()):
        outcome = runner.invoke(app, ["assess", str(example), "--json"])
        assert outcome.exit_code == 0, (example.name, outcome.output)


# --- The crisis signal survives an input error (H17); input is never silently misread (H15) ------

REFUSED_ITEM_9 = json.dumps({"version": 1, "answers": {"phq9": [0, 0, 0, 0, 0, 0, 0, 0, 2, 0], "age": -1}})


def test_refused_answers_with_item_9_above_0_print_the_crisis_resources_before_the_error() -> None:
    outcome = runner.invoke(app, ["assess", "-"], input=REFUSED_ITEM_9)
    assert outcome.exit_code == 2
    error = outcome.stderr
    assert "thoughts of being better off dead" in error
    assert error.index("Call 911") < error.index("Call 988") < error.index("The answers are not valid")
    assert "Chat online: https://988lifeline.org/" in error  # a terminal shows where a web link goes
    assert "Please tell your care team today." in error  # the alert is printed whole, not cut at the edge
    assert "phq9: expected a list of 9 whole numbers" in error and "age:" in error


def test_refused_answers_with_item_9_at_0_print_no_crisis_resources() -> None:
    document = json.dumps({"version": 1, "answers": {"phq9": [0] * 10}})
    outcome = runner.invoke(app, ["assess", "-"], input=document)
    assert outcome.exit_code == 2 and "Call 911" not in outcome.stderr


def test_the_country_option_picks_the_crisis_resources() -> None:
    outcome = runner.invoke(
        app, ["assess", str(EXAMPLES / "item9-positive.json"), "--json", "--country", "AU"]
    )
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(outcome.stdout)["crisis"]["lines"][0] == {"label": "Call 000", "href": "tel:000"}
    report = runner.invoke(
        app, ["assess", str(EXAMPLES / "item9-positive.json")], env={"TRDNAV_COUNTRY": "IE"}
    )
    assert report.stdout.index("Call 112") < report.stdout.index("Your results side by side")
    refused = runner.invoke(app, ["assess", "-", "--country", "gb"], input=REFUSED_ITEM_9)
    assert refused.exit_code == 2 and "Call 999" in refused.stderr and "Call 911" not in refused.stderr
    unknown = runner.invoke(app, ["assess", str(EXAMPLES / "item9-positive.json"), "--country", "XX"])
    assert unknown.exit_code == 2 and "--country: no crisis resources for 'XX'" in unknown.stderr


def test_a_repeated_key_in_json_or_yaml_is_refused_naming_it(tmp_path: Path) -> None:
    json_file = tmp_path / "answers.json"
    json_file.write_text('{"version": 1, "answers": {"seizure_history": "no", "seizure_history": "yes"}}')
    yaml_file = tmp_path / "answers.yaml"
    yaml_file.write_text(
        'version: 1\nversion: 1\nanswers:\n  seizure_history: "no"\n  seizure_history: "yes"\n'
    )
    refused_json = runner.invoke(app, ["assess", str(json_file)])
    assert refused_json.exit_code == 2
    assert "answers.seizure_history: appears twice" in refused_json.stderr
    refused_yaml = runner.invoke(app, ["assess", str(yaml_file)])
    assert refused_yaml.exit_code == 2
    assert "answers.seizure_history: appears twice" in refused_yaml.stderr
    assert "version: appears twice" in refused_yaml.stderr


def test_a_nul_or_a_lone_surrogate_is_refused_naming_where() -> None:
    for text in (
        '{"version": 1, "answers": {"seizure_history": "n\\u0000o"}}',
        '{"version": 1, "\\ud800": 1}',
    ):
        outcome = runner.invoke(app, ["assess", "-"], input=text)
        assert outcome.exit_code == 2, outcome.output
        assert "contains a NUL character or a lone surrogate" in outcome.stderr
