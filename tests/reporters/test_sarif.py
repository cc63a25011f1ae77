"""SARIF: valid against the official OASIS schema, and shaped the way GitHub code scanning reads it."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import jsonschema
import pytest
import referencing
import referencing.exceptions

from buildrunner.engine.model import ScanResult
from buildrunner.engine.reporters import render, sarif_document
from buildrunner.engine.reporters.sarif import FINGERPRINT_KEY, relative_uri

from .conftest import RAW_VALUES, ROOT, make_clean_result

SCHEMA_PATH = Path(__file__).parents[1] / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
# sha256 of the OASIS SARIF 2.1.0 (errata01) schema as copied into the repo. If this fails,
# someone edited the schema we validate against: restore the official file instead.
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def _no_network(uri: str):
    raise referencing.exceptions.NoSuchResource(ref=uri)


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validators(schema: dict):
    """Draft-07 (as CI tools use) and the schema's own declared draft (04); a registry that
    refuses every retrieval proves no `$ref`/`id` ever triggers a fetch."""
    registry = referencing.Registry(retrieve=_no_network)
    declared = jsonschema.validators.validator_for(schema)
    return [cls(schema, registry=registry) for cls in {jsonschema.Draft7Validator, declared}]


def assert_valid(doc: dict, schema: dict) -> None:
    for validator in validators(schema):
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_schema_copy_is_the_official_file():
    assert hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest() == SCHEMA_SHA256


@pytest.mark.parametrize("opts", [{}, {"split_runs": True}, {"include_suppressed": True},
                                  {"split_runs": True, "include_suppressed": True, "timestamps": True}])
def test_valid_against_oasis_schema(findings_result, schema, opts):
    assert_valid(json.loads(render("sarif", findings_result, **opts)), schema)


def test_clean_result_valid_and_has_empty_results(clean_result, schema):
    doc = json.loads(render("sarif", clean_result))
    assert_valid(doc, schema)
    assert doc["runs"][0]["results"] == []
    assert len(doc["runs"][0]["tool"]["driver"]["rules"]) == 5


def test_validator_is_not_vacuous(findings_result, schema):
    doc = json.loads(render("sarif", findings_result))
    bad = copy.deepcopy(doc)
    bad["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError, match="level"):
        assert_valid(bad, schema)
    bad = copy.deepcopy(doc)
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(AssertionError):
        assert_valid(bad, schema)


def test_github_code_scanning_requirements(findings_result):
    doc = json.loads(render("sarif", findings_result))
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-schema-2.1.0.json")
    run = doc["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": f"file://{ROOT}/"}}
    driver = run["tool"]["driver"]
    assert driver["name"] == "br" and driver["semanticVersion"] == "9.9.9-test"
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    for rule in rules:
        sev = rule["properties"]["security-severity"]
        assert isinstance(sev, str) and 0.0 <= float(sev) <= 10.0
        assert "security" in rule["properties"]["tags"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    by_id = {r["id"]: r for r in rules}
    assert by_id["secrets.anthropic-api-key"]["properties"]["security-severity"] == "9.5"
    assert "external/cwe/cwe-89" in by_id["python.sql-injection.dbapi-execute"]["properties"]["tags"]
    assert by_id["python.sql-injection.dbapi-execute"]["properties"]["precision"] == "very-high"

    assert len(run["results"]) == len(findings_result.findings)
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["partialFingerprints"][FINGERPRINT_KEY] == res["fingerprints"][FINGERPRINT_KEY]
        loc = res["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not uri.startswith(("/", "file:")) and ":" not in uri and " " not in uri
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1


def test_result_details(findings_result):
    results = {r["ruleId"]: r for r in json.loads(render("sarif", findings_result))["runs"][0]["results"]}

    sqli = results["python.sql-injection.dbapi-execute"]
    steps = sqli["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["message"]["text"] for s in steps] == [
        "query built with f-string from `user_id`", "query reaches cur.execute(…) argument 0"]
    assert steps[0]["location"]["physicalLocation"]["region"]["startLine"] == 12
    change = sqli["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "app/db.py"
    assert change["replacements"][0]["deletedRegion"] == {
        "startLine": 14, "startColumn": 5, "endLine": 14, "endColumn": 23}
    assert "%s" in change["replacements"][0]["insertedContent"]["text"]

    history = results["secrets.aws-access-key-id"]
    assert history["properties"]["commit"] == "3f2a9c1e5b7d8f0a1c3e5b7d9f1a3c5e7b9d1f3a"
    assert history["properties"]["authorDate"] == "2024-03-01T10:15:00+02:00"
    assert "commit 3f2a9c1e5b7d" in history["message"]["text"]
    assert history["properties"]["author"] == "Dev Eloper"  # who committed it: whom to ask to rotate it
    assert history["properties"]["authorEmail"] == "dev@example.com"

    secret = results["secrets.anthropic-api-key"]
    region = secret["locations"][0]["physicalLocation"]["region"]
    assert region["snippet"]["text"] == 'client = Anthropic(api_key="sk-a…7xAA")'
    assert (region["endLine"], region["endColumn"]) == (3, 136)
    assert secret["properties"]["whitelistCommand"] == "br security whitelist --fingerprint a1b2c3d4e5f60718:0"

    odd = results["typescript.sql-injection.template-query"]
    assert odd["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "web/rapport%20%C3%A9t%C3%A9%2C%20100%25%3Av2.ts"
    assert odd["message"]["text"].endswith("Second line: 50% sure, a:b")


def test_relative_uri_normalisation():
    assert relative_uri("./src/a.py") == "src/a.py"
    assert relative_uri("src\\win\\a.py") == "src/win/a.py"
    assert relative_uri(f"{ROOT}/src/a.py", ROOT) == "src/a.py"
    assert relative_uri("caf\udce9.py") == "caf%E9.py"  # undecodable byte: its original byte


def test_suppressed_results_only_when_asked(findings_result):
    plain = json.loads(render("sarif", findings_result))["runs"][0]["results"]
    assert all("suppressions" not in r for r in plain)
    full = json.loads(render("sarif", findings_result, include_suppressed=True))["runs"][0]["results"]
    sup = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["suppressions"][0]
           for r in full if "suppressions" in r}
    assert sup == {
        "docs/example.md": {"kind": "external", "status": "accepted",
                            "justification": "documented example key", "properties": {"how": "whitelist"}},
        "app/admin.py": {"kind": "inSource", "status": "accepted", "properties": {"how": "inline"}},
    }


def test_split_runs_one_per_category_including_clean_ones(findings_result, clean_result, schema):
    doc = json.loads(render("sarif", findings_result, split_runs=True))
    ids = [run["automationDetails"]["id"] for run in doc["runs"]]
    assert ids == ["br/secrets/", "br/sql-injection/"]
    for run in doc["runs"]:
        cat = run["automationDetails"]["id"].split("/")[1]
        rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
        assert all(f".{cat}." in rid or rid.startswith(f"{cat}.") for rid in rule_ids)
        for res in run["results"]:
            assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
    assert sum(len(run["results"]) for run in doc["runs"]) == len(findings_result.findings)
    # a clean scan still reports each category (that is what closes fixed alerts on GitHub)
    clean = json.loads(render("sarif", clean_result, split_runs=True))
    assert [run["automationDetails"]["id"] for run in clean["runs"]] == ["br/secrets/", "br/sql-injection/"]
    assert_valid(clean, schema)


def test_sarif_document_merges_tool_components(findings_result, schema):
    coverage = ScanResult(files_scanned=3, root=ROOT)
    doc = sarif_document([("secrets", findings_result), ("coverage", coverage)])
    assert_valid(doc, schema)
    assert [r["automationDetails"]["id"] for r in doc["runs"]] == ["br/secrets/", "br/coverage/"]
    assert doc["runs"][1]["results"] == []
    assert json.loads(json.dumps(doc)) == doc  # plain JSON data


def test_deterministic_and_timestamps_opt_in(findings_result):
    shuffled = make_clean_result()
    shuffled.findings = list(reversed(findings_result.findings))
    shuffled.rules = list(reversed(findings_result.rules))
    ordered = make_clean_result()
    ordered.findings, ordered.rules = findings_result.findings, findings_result.rules
    assert render("sarif", shuffled) == render("sarif", ordered)
    assert "TimeUtc" not in render("sarif", findings_result)
    inv = json.loads(render("sarif", findings_result, timestamps=True))["runs"][0]["invocations"][0]
    assert inv["startTimeUtc"].endswith("Z") and inv["endTimeUtc"] >= inv["startTimeUtc"]


def test_skipped_files_are_tool_notifications(findings_result):
    inv = json.loads(render("sarif", findings_result))["runs"][0]["invocations"][0]
    notes = {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: n for n in inv["toolExecutionNotifications"]}
    assert set(notes) == {"assets/logo.png", "data/dump.sql", "legacy/latin1.py"}
    assert notes["data/dump.sql"]["message"]["text"] == "Skipped (too-large): 12.0 MB > 2.0 MB"
    assert all(n["level"] == "note" for n in notes.values())


def test_finding_without_pack_rule_gets_a_descriptor(findings_result, schema):
    from buildrunner.engine.model import Finding, Severity

    result = ScanResult(findings=[Finding(rule_id="repo.env-not-ignored", severity=Severity.HIGH,
                                          message=".env is not in .gitignore", path=".gitignore",
                                          line=1, kind="repo", rule_name=".env not ignored")], root=ROOT)
    doc = json.loads(render("sarif", result))
    assert_valid(doc, schema)
    run = doc["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["id"] == "repo.env-not-ignored"
    assert run["results"][0]["ruleIndex"] == 0
    assert run["results"][0]["partialFingerprints"][FINGERPRINT_KEY]  # stand-in fingerprint


def test_no_raw_values(findings_result):
    out = render("sarif", findings_result, split_runs=True, include_suppressed=True)
    for raw in RAW_VALUES:
        assert raw not in out


def test_rule_message_templates_read_as_descriptions():
    from buildrunner.engine.model import Rule, Severity

    rule = Rule(id="python.sql-injection.x", kind="code", name="X", severity=Severity.HIGH,
                message="SQL text reaches {sink}; a template literal ${id} stays as written.")
    result = ScanResult(rules=[rule], root=ROOT)
    (desc,) = json.loads(render("sarif", result))["runs"][0]["tool"]["driver"]["rules"]
    assert desc["fullDescription"]["text"] == "SQL text reaches <sink>; a template literal ${id} stays as written."
    assert "reaches `<sink>`;" in desc["help"]["markdown"]


def test_github_upload_limits(findings_result, schema, monkeypatch):
    """Over GitHub's per-run result limit the least severe results are left out (and said so)
    rather than the whole upload being rejected; rules carry at most the 10 displayed tags."""
    from buildrunner.engine.reporters import sarif

    findings_result.rules[0].tags = tuple(f"tag-{i}" for i in range(30))
    monkeypatch.setattr(sarif, "MAX_RESULTS_PER_RUN", 3)
    doc = json.loads(render("sarif", findings_result))
    assert_valid(doc, schema)
    run = doc["runs"][0]
    assert sorted(r["level"] for r in run["results"]) == ["error", "error", "error"]  # critical + 2 high
    assert run["properties"]["resultsLeftOut"] == 2
    note = run["invocations"][0]["toolExecutionNotifications"][0]
    assert note["level"] == "warning" and note["message"]["text"].startswith("2 least severe results left out")
    tags = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == findings_result.rules[0].id)["properties"]["tags"]
    assert len(tags) == 10 and tags[:3] == ["security", "secrets", "external/cwe/cwe-798"]


def test_an_autofix_whose_code_holds_a_secret_is_left_out(findings_result):
    """The replacement would be masked, and a masked fix applied by a SARIF viewer would replace the
    real value with `ghp_…` text: drop the fix, keep the finding."""
    token = "ghp_" + "Zq8Xv2Lr5Tn9Wc4Yb7Md1Kf6Hs3Jp0Ga2Ue5"
    sqli = next(f for f in findings_result.findings if f.autofix)
    sqli.autofix.replacement = f'cur.execute("SELECT * FROM t WHERE tok = \'{token}\' AND id = ?", (uid,))'
    text = render("sarif", findings_result)
    assert token[4:] not in text
    results = {r["ruleId"]: r for r in json.loads(text)["runs"][0]["results"]}
    assert "fixes" not in results["python.sql-injection.dbapi-execute"]
    assert results["python.sql-injection.dbapi-execute"]["properties"]["fix"]
