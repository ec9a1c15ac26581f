"""Write the security benchmark: small Flask apps in pairs, a vulnerable one and a
safe twin that differs the way real code is safe.

    .venv/bin/python benchmarks/security/generate.py      # (re)writes benchmarks/security/apps/

Every app is a package ``apps/cweNNN/<case>_<vuln|safe>/`` written the way Flask apps
are written: one module with routes, a blueprint plus a helper module that does the
dangerous work, a class-based view registered with ``add_url_rule``, a route parameter,
configuration dicts in their own module. The twins of a pair differ only in the detail
that decides safety:

* ``overwrite``  the tainted value is overwritten before use (the vulnerable twin
  overwrites in the other order);
* ``element``    a different list element (literal or built with ``append``);
* ``key``        a different dict key (literal, or stored with ``d[k] = v``);
* ``deadif``     the branch that would carry it cannot run (``limit = 40`` then
  ``if limit * 3 < 100:``);
* ``ifexp``      a conditional expression with a constant condition;
* ``sanitize``   a sanitizer for that CWE on every path (or the safe API);
* ``config``     the value that reaches the sink comes from a constant config dict;
* ``guard``      an allow-list check that returns early.

The apps are analysed, never run. ``benchmarks/security_score.py`` scores them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

APPS = Path(__file__).with_name("apps")

SOURCES = [
    'request.args.get("q", "")',
    'request.form["name"]',
    'request.cookies.get("pref", "")',
    'request.headers.get("X-Target", "")',
    'request.get_json(force=True).get("value", "")',
    'request.values.get("v", "")',
]


@dataclass
class Sink:
    """How one CWE is exploited: imports, the statements that use ``{v}``, what the
    view returns, the safe constant, and the sanitized form of ``{v}``."""

    imports: list[str]
    stmts: list[str]
    safe_const: str
    sanitize: str  # expression over {p} (the tainted parameter)
    san_imports: list[str] = field(default_factory=list)
    ret: str = '"ok"'  # what the view returns ({v} allowed for XSS)
    safe_stmts: list[str] | None = None  # the safe API instead of a sanitizer
    source: str | None = None  # a fixed source expression (bytes for 502)


SINKS: dict[str, Sink] = {
    "78": Sink(
        ["import os", "import subprocess"],
        ['subprocess.run("ping -c 1 " + {v}, shell=True, check=False)'],
        "localhost",
        "shlex.quote({p})",
        ["import shlex"],
    ),
    "94": Sink(
        [],
        ['result = eval("2 * " + {v})', "print(result)"],
        "21",
        "str(int({p}))",
    ),
    "502": Sink(
        ["import pickle"],
        ["obj = pickle.loads({v})", "print(obj)"],
        "b'.'",
        "{p}",
        safe_stmts=["obj = json.loads({v})", "print(obj)"],
        san_imports=["import json"],
    ),
    "90": Sink(
        ["from ldap3 import Connection, Server"],
        [
            'conn = Connection(Server("ldap://127.0.0.1"), auto_bind=True)',
            'conn.search("dc=example,dc=com", "(uid=" + {v} + ")")',
        ],
        "guest",
        "escape_filter_chars({p})",
        ["from ldap3.utils.conv import escape_filter_chars"],
    ),
    "22": Sink(
        ["import os"],
        [
            'with open(os.path.join("/srv/reports", {v})) as fh:',
            "    print(fh.read())",
        ],
        "summary.txt",
        "os.path.basename({p})",
    ),
    "601": Sink(
        ["from flask import redirect"],
        [],
        "/home",
        'url_for("index", next={p})',
        ["from flask import url_for"],
        ret="redirect({v})",
    ),
    "89": Sink(
        ["import sqlite3"],
        [
            'conn = sqlite3.connect("app.db")',
            "cur = conn.cursor()",
            'cur.execute("SELECT * FROM users WHERE name = \'" + {v} + "\'")',
            "print(cur.fetchall())",
        ],
        "alice",
        "{p}",
        safe_stmts=[
            'conn = sqlite3.connect("app.db")',
            "cur = conn.cursor()",
            'cur.execute("SELECT * FROM users WHERE name = ?", ({v},))',
            "print(cur.fetchall())",
        ],
    ),
    "501": Sink(
        ["from flask import session"],
        ['session["user"] = {v}'],
        "anonymous",
        "str(int({p}))",
    ),
    "643": Sink(
        ["from lxml import etree"],
        [
            "root = etree.fromstring(b\"<users><user name='a'/></users>\")",
            'print(root.xpath("//user[@name=\'" + {v} + "\']"))',
        ],
        "a",
        "{p}",
        safe_stmts=[
            "root = etree.fromstring(b\"<users><user name='a'/></users>\")",
            'print(root.xpath("//user[@name=$name]", name={v}))',
        ],
    ),
    "79": Sink(
        [],
        [],
        "world",
        "html.escape({p})",
        ["import html"],
        ret='"<p>Hello " + {v} + "</p>"',
    ),
    "611": Sink(
        ["from lxml import etree"],
        [
            "parser = etree.XMLParser(resolve_entities=True)",
            "doc = etree.fromstring({v}.encode(), parser)",
            "print(doc.tag)",
        ],
        "<a/>",
        "{p}",
        safe_stmts=[
            "parser = etree.XMLParser(resolve_entities=False, no_network=True)",
            "doc = etree.fromstring({v}.encode(), parser)",
            "print(doc.tag)",
        ],
    ),
}
SINKS["502"].source = "request.get_data()"


def mechanism(mech: str, vuln: bool, cwe: str, sink: Sink) -> tuple[list[str], list[str]]:
    """(statements turning ``param`` into ``bar``, extra imports)."""
    safe = repr(sink.safe_const) if cwe != "502" else sink.safe_const
    if mech == "overwrite":
        if vuln:
            return [f"bar = {safe}", "bar = param"], []
        return ["bar = param", f"bar = {safe}"], []
    if mech == "element":
        idx = 1 if vuln else 0
        return [f"items = [{safe}, param]", f"bar = items[{idx}]"], []
    if mech == "element_append":
        idx = 0 if vuln else 1
        return [
            "parts = []",
            "parts.append(param)",
            f"parts.append({safe})",
            f"bar = parts[{idx}]",
        ], []
    if mech == "key":
        key = "user" if vuln else "default"
        return [f'choices = {{"default": {safe}, "user": param}}', f'bar = choices["{key}"]'], []
    if mech == "key_store":
        key = "keyB" if vuln else "keyA"
        return [
            "table = {}",
            f'table["keyA"] = {safe}',
            'table["keyB"] = param',
            f'bar = table.get("{key}")',
        ], []
    if mech == "deadif":
        op = ">" if vuln else "<"
        return [
            "limit = 40",
            f"if limit * 3 {op} 100:",
            "    bar = param",
            "else:",
            f"    bar = {safe}",
        ], []
    if mech == "ifexp":
        cond = "7 > 5" if vuln else "2 > 5"
        return [f"bar = param if {cond} else {safe}"], []
    if mech == "ifexp_var":
        # (7 * 42) - 86 = 208 > 200 picks the constant; 386 lets param through
        num = 386 if vuln else 86
        return [f"num = {num}", f"bar = {safe} if (7 * 42) - num > 200 else param"], []
    if mech == "sanitize":
        if vuln or sink.safe_stmts is not None:
            return ["bar = param"], []
        return [f"bar = {sink.sanitize.format(p='param')}"], sink.san_imports
    if mech == "config":
        key = "user" if vuln else "fallback"
        return [
            f'settings = {{"fallback": DEFAULTS["{cwe}"], "user": param}}',
            f'bar = settings["{key}"]',
        ], []
    if mech == "guard":
        if vuln:
            return [
                "if param not in ALLOWED:",
                '    print("unexpected value")',
                "bar = param",
            ], []
        return ["if param not in ALLOWED:", '    return "bad request", 400', "bar = param"], []
    raise ValueError(mech)


SHAPES = ["single", "blueprint_helper", "classview", "routeparam"]
MECHS = [
    "overwrite",
    "element",
    "key",
    "deadif",
    "ifexp",
    "sanitize",
    "element_append",
    "key_store",
    "ifexp_var",
    "config",
]
GUARDED = {"601", "22", "501"}


def _indent(lines: list[str], n: int) -> list[str]:
    return [(" " * n + ln) if ln else ln for ln in lines]


def write_app(root: Path, cwe: str, shape: str, mech: str, src: str, vuln: bool) -> None:
    sink = SINKS[cwe]
    if sink.source is not None:
        src = sink.source
    body, extra = mechanism(mech, vuln, cwe, sink)
    stmts = sink.stmts
    imports = list(sink.imports)
    if mech == "sanitize" and not vuln and sink.safe_stmts is not None:
        stmts = sink.safe_stmts
        imports = [i for i in imports if not i.startswith("import pickle")] + sink.san_imports
    imports += extra
    use = [s.format(v="bar") for s in stmts]
    ret = sink.ret.format(v="bar")
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    cfg = (
        f'"""Settings of the app."""\n\nDEFAULTS = {{"{cwe}": {sink.safe_const if cwe == "502" else repr(sink.safe_const)}}}\n'
        f'ALLOWED = {{{sink.safe_const if cwe == "502" else repr(sink.safe_const)}, "other"}}\n'
    )
    (root / "config.py").write_text(cfg)
    cfg_import = "from .config import ALLOWED, DEFAULTS\n" if mech in ("config", "guard") else ""
    head = sorted(set(imports))
    flask_names = {"request"}
    for i in list(head):
        if i.startswith("from flask import "):
            flask_names.update(x.strip() for x in i[len("from flask import ") :].split(","))
            head.remove(i)
    if shape == "single":
        flask_names.add("Flask")
        lines = [
            *head,
            "",
            f"from flask import {', '.join(sorted(flask_names))}",
            "",
            cfg_import.rstrip("\n"),
            "app = Flask(__name__)",
            "",
            "",
            '@app.route("/run", methods=["GET", "POST"])',
            "def handler():",
            f"    param = {src}",
            *_indent(body, 4),
            *_indent(use, 4),
            f"    return {ret}",
            "",
        ]
        (root / "app.py").write_text("\n".join(x for x in lines if x is not None) + "\n")
    elif shape == "blueprint_helper":
        # the dangerous work happens in a helper module the view calls
        helper = [
            '"""Helpers the views call."""',
            "",
            *head,
            *(
                [f"from flask import {', '.join(sorted(flask_names - {'request'}))}"]
                if flask_names - {"request"}
                else []
            ),
            "",
            "",
            "def process(value):",
            *_indent([s.format(v="value") for s in stmts], 4),
            f"    return {sink.ret.format(v='value')}",
            "",
        ]
        (root / "helpers.py").write_text("\n".join(helper) + "\n")
        view_imports = sorted(set(extra))
        lines = [
            '"""Routes of the reports blueprint."""',
            "",
            *view_imports,
            "",
            "from flask import Blueprint, request",
            "",
            cfg_import.rstrip("\n"),
            "from .helpers import process",
            "",
            'bp = Blueprint("reports", __name__, url_prefix="/reports")',
            "",
            "",
            '@bp.route("/run", methods=["POST"])',
            "def run_report():",
            f"    param = {src}",
            *_indent(body, 4),
            "    return process(bar)",
            "",
        ]
        (root / "views.py").write_text("\n".join(lines) + "\n")
        (root / "app.py").write_text(
            "from flask import Flask\n\nfrom .views import bp\n\napp = Flask(__name__)\n"
            "app.register_blueprint(bp)\n"
        )
    elif shape == "classview":
        lines = [
            *head,
            "",
            f"from flask import {', '.join(sorted(flask_names | {'Flask'}))}",
            "from flask.views import MethodView",
            "",
            cfg_import.rstrip("\n"),
            "app = Flask(__name__)",
            "",
            "",
            "class ItemView(MethodView):",
            "    def post(self):",
            f"        param = {src}",
            *_indent(body, 8),
            *_indent(use, 8),
            f"        return {ret}",
            "",
            "",
            'app.add_url_rule("/items", view_func=ItemView.as_view("items"))',
            "",
        ]
        (root / "app.py").write_text("\n".join(lines) + "\n")
    elif shape == "routeparam":
        names = flask_names - {"request"} | {"Blueprint"}
        lines = [
            *head,
            "",
            f"from flask import {', '.join(sorted(names))}",
            "",
            cfg_import.rstrip("\n"),
            'api = Blueprint("api", __name__)',
            "",
            "",
            '@api.route("/items/<name>")',
            "def show_item(name):",
            "    param = name",
            *_indent(body, 4),
            *_indent(use, 4),
            f"    return {ret}",
            "",
        ]
        if cwe == "502":
            lines[lines.index("    param = name")] = "    param = name.encode()"
        (root / "views.py").write_text("\n".join(lines) + "\n")
    # blank lines where no config import is needed read as two blank lines: tidy
    for f in root.glob("*.py"):
        text = f.read_text()
        while "\n\n\n\n" in text:
            text = text.replace("\n\n\n\n", "\n\n\n")
        f.write_text(text.lstrip("\n"))


# --- API misuse (not taint) -----------------------------------------------------------
MISUSE: dict[str, list[tuple[str, dict[str, str], dict[str, str]]]] = {
    # (case, vulnerable files, safe files)
    "328": [
        (
            "direct",
            {
                "app.py": "import hashlib\n\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.route('/digest', methods=['POST'])\ndef digest():\n    data = request.get_data()\n    return hashlib.md5(data).hexdigest()\n"
            },
            {
                "app.py": "import hashlib\n\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.route('/digest', methods=['POST'])\ndef digest():\n    data = request.get_data()\n    return hashlib.sha256(data).hexdigest()\n"
            },
        ),
        (
            "new_variable",
            {
                "app.py": "import hashlib\n\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.route('/sign', methods=['POST'])\ndef sign():\n    algorithm = 'sha1'\n    h = hashlib.new(algorithm)\n    h.update(request.get_data())\n    return h.hexdigest()\n"
            },
            {
                "app.py": "import hashlib\n\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.route('/sign', methods=['POST'])\ndef sign():\n    algorithm = 'sha512'\n    h = hashlib.new(algorithm)\n    h.update(request.get_data())\n    return h.hexdigest()\n"
            },
        ),
        (
            "config_module",
            {
                "config.py": 'SETTINGS = {"hash_algorithm": "md5", "rounds": 3}\n',
                "auth.py": "import hashlib\n\nfrom .config import SETTINGS\n\n\ndef password_hash(password, salt):\n    h = hashlib.new(SETTINGS['hash_algorithm'])\n    h.update(salt + password.encode())\n    return h.hexdigest()\n",
                "views.py": "from flask import Blueprint, request\n\nfrom .auth import password_hash\n\nbp = Blueprint('auth', __name__)\n\n\n@bp.route('/register', methods=['POST'])\ndef register():\n    return password_hash(request.form['password'], b'salt')\n",
            },
            {
                "config.py": 'SETTINGS = {"hash_algorithm": "sha256", "rounds": 3}\n',
                "auth.py": "import hashlib\n\nfrom .config import SETTINGS\n\n\ndef password_hash(password, salt):\n    h = hashlib.new(SETTINGS['hash_algorithm'])\n    h.update(salt + password.encode())\n    return h.hexdigest()\n",
                "views.py": "from flask import Blueprint, request\n\nfrom .auth import password_hash\n\nbp = Blueprint('auth', __name__)\n\n\n@bp.route('/register', methods=['POST'])\ndef register():\n    return password_hash(request.form['password'], b'salt')\n",
            },
        ),
        (
            "ifexp",
            {
                "app.py": "import hashlib\n\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.route('/etag')\ndef etag():\n    name = 'md5' if 7 > 5 else 'sha256'\n    return hashlib.new(name, request.args.get('v', '').encode()).hexdigest()\n"
            },
            {
                "app.py": "import hashlib\n\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.route('/etag')\ndef etag():\n    name = 'md5' if 2 > 5 else 'sha256'\n    return hashlib.new(name, request.args.get('v', '').encode()).hexdigest()\n"
            },
        ),
        (
            "classview_sha1",
            {
                "app.py": "from hashlib import sha1, sha384\n\nfrom flask import Flask, request\nfrom flask.views import MethodView\n\napp = Flask(__name__)\n\n\nclass Fingerprint(MethodView):\n    def post(self):\n        return sha1(request.get_data()).hexdigest()\n\n\napp.add_url_rule('/fp', view_func=Fingerprint.as_view('fp'))\n"
            },
            {
                "app.py": "from hashlib import sha1, sha384\n\nfrom flask import Flask, request\nfrom flask.views import MethodView\n\napp = Flask(__name__)\n\n\nclass Fingerprint(MethodView):\n    def post(self):\n        return sha384(request.get_data()).hexdigest()\n\n\napp.add_url_rule('/fp', view_func=Fingerprint.as_view('fp'))\n"
            },
        ),
    ],
    "330": [
        (
            "session_token",
            {
                "app.py": "import random\n\nfrom flask import Flask, session\n\napp = Flask(__name__)\n\n\n@app.route('/login')\ndef login():\n    token = str(random.random())[2:]\n    session['remember_me'] = token\n    return 'ok'\n"
            },
            {
                "app.py": "import random\nimport secrets\n\nfrom flask import Flask, session\n\napp = Flask(__name__)\n\n\n@app.route('/login')\ndef login():\n    token = secrets.token_hex(16)\n    session['remember_me'] = token\n    colour = random.choice(['red', 'blue'])\n    return colour\n"
            },
        ),
        (
            "reset_helper",
            {
                "tokens.py": "import random\nimport string\n\n\ndef make_reset_token(length=12):\n    chars = string.ascii_letters + string.digits\n    return ''.join(random.choice(chars) for _ in range(length))\n",
                "views.py": "from flask import Blueprint\n\nfrom .tokens import make_reset_token\n\nbp = Blueprint('reset', __name__)\n\n\n@bp.route('/reset')\ndef reset():\n    return {'token': make_reset_token()}\n",
            },
            {
                "tokens.py": "import secrets\nimport string\n\n\ndef make_reset_token(length=12):\n    chars = string.ascii_letters + string.digits\n    return ''.join(secrets.choice(chars) for _ in range(length))\n",
                "views.py": "from flask import Blueprint\n\nfrom .tokens import make_reset_token\n\nbp = Blueprint('reset', __name__)\n\n\n@bp.route('/reset')\ndef reset():\n    return {'token': make_reset_token()}\n",
            },
        ),
        (
            "cookie_id",
            {
                "app.py": "import random\n\nfrom flask import Flask, make_response\n\napp = Flask(__name__)\n\n\n@app.route('/visit')\ndef visit():\n    resp = make_response('hi')\n    visitor_id = random.randint(100000, 999999)\n    resp.set_cookie('visitor', str(visitor_id), secure=True, httponly=True)\n    return resp\n"
            },
            {
                "app.py": "import random\n\nfrom flask import Flask, make_response\n\napp = Flask(__name__)\n\n\n@app.route('/visit')\ndef visit():\n    resp = make_response('hi')\n    visitor_id = random.SystemRandom().randint(100000, 999999)\n    resp.set_cookie('visitor', str(visitor_id), secure=True, httponly=True)\n    return resp\n"
            },
        ),
        (
            "password_classview",
            {
                "app.py": "import random\n\nfrom flask import Flask, jsonify\nfrom flask.views import MethodView\n\napp = Flask(__name__)\n\n\nclass NewUser(MethodView):\n    def post(self):\n        password = '%08d' % random.getrandbits(26)\n        return jsonify(password=password)\n\n\napp.add_url_rule('/users', view_func=NewUser.as_view('users'))\n"
            },
            {
                "app.py": "import random\n\nfrom flask import Flask, jsonify\nfrom flask.views import MethodView\n\napp = Flask(__name__)\n\n\nclass NewUser(MethodView):\n    def post(self):\n        delay = random.getrandbits(4)\n        print('backoff', delay)\n        return jsonify(created=True)\n\n\napp.add_url_rule('/users', view_func=NewUser.as_view('users'))\n"
            },
        ),
    ],
    "614": [
        (
            "missing_flag",
            {
                "app.py": "from flask import Flask, make_response, request\n\napp = Flask(__name__)\n\n\n@app.route('/prefs', methods=['POST'])\ndef prefs():\n    resp = make_response('saved')\n    resp.set_cookie('theme', request.form.get('theme', 'light'), httponly=True)\n    return resp\n"
            },
            {
                "app.py": "from flask import Flask, make_response, request\n\napp = Flask(__name__)\n\n\n@app.route('/prefs', methods=['POST'])\ndef prefs():\n    resp = make_response('saved')\n    resp.set_cookie('theme', request.form.get('theme', 'light'), secure=True, httponly=True)\n    return resp\n"
            },
        ),
        (
            "false_flag",
            {
                "app.py": "from flask import Flask, make_response\n\napp = Flask(__name__)\n\n\n@app.route('/login')\ndef login():\n    resp = make_response('welcome')\n    resp.set_cookie('sid', 'abc', secure=False)\n    return resp\n"
            },
            {
                "app.py": "from flask import Flask, make_response\n\napp = Flask(__name__)\n\n\n@app.route('/login')\ndef login():\n    resp = make_response('welcome')\n    resp.set_cookie('sid', 'abc', secure=True)\n    return resp\n"
            },
        ),
        (
            "flag_variable",
            {
                "app.py": "from flask import Flask, make_response\n\napp = Flask(__name__)\nUSE_TLS = False\n\n\n@app.route('/login')\ndef login():\n    resp = make_response('welcome')\n    secure_flag = USE_TLS\n    resp.set_cookie('sid', 'abc', secure=secure_flag, httponly=True)\n    return resp\n"
            },
            {
                "app.py": "from flask import Flask, make_response\n\napp = Flask(__name__)\nUSE_TLS = True\n\n\n@app.route('/login')\ndef login():\n    resp = make_response('welcome')\n    secure_flag = USE_TLS\n    resp.set_cookie('sid', 'abc', secure=secure_flag, httponly=True)\n    return resp\n"
            },
        ),
        (
            "config_kwargs",
            {
                "config.py": "COOKIE_OPTIONS = {'secure': False, 'httponly': True, 'samesite': 'Lax'}\n",
                "views.py": "from flask import Blueprint, make_response\n\nfrom .config import COOKIE_OPTIONS\n\nbp = Blueprint('session', __name__)\n\n\n@bp.route('/start')\ndef start():\n    resp = make_response('started')\n    resp.set_cookie('session_id', 'xyz', **COOKIE_OPTIONS)\n    return resp\n",
            },
            {
                "config.py": "COOKIE_OPTIONS = {'secure': True, 'httponly': True, 'samesite': 'Lax'}\n",
                "views.py": "from flask import Blueprint, make_response\n\nfrom .config import COOKIE_OPTIONS\n\nbp = Blueprint('session', __name__)\n\n\n@bp.route('/start')\ndef start():\n    resp = make_response('started')\n    resp.set_cookie('session_id', 'xyz', **COOKIE_OPTIONS)\n    return resp\n",
            },
        ),
        (
            "classview_ifexp",
            {
                "app.py": "from flask import Flask, make_response\nfrom flask.views import MethodView\n\napp = Flask(__name__)\n\n\nclass Remember(MethodView):\n    def get(self):\n        resp = make_response('ok')\n        resp.set_cookie('remember', '1', secure=True if 2 > 5 else False)\n        return resp\n\n\napp.add_url_rule('/remember', view_func=Remember.as_view('remember'))\n"
            },
            {
                "app.py": "from flask import Flask, make_response\nfrom flask.views import MethodView\n\napp = Flask(__name__)\n\n\nclass Remember(MethodView):\n    def get(self):\n        resp = make_response('ok')\n        resp.set_cookie('remember', '1', secure=True if 7 > 5 else False)\n        return resp\n\n\napp.add_url_rule('/remember', view_func=Remember.as_view('remember'))\n"
            },
        ),
    ],
}


def main() -> None:
    if APPS.exists():
        shutil.rmtree(APPS)
    n = 0
    for ci, cwe in enumerate(SINKS):
        mechs = list(MECHS)
        if cwe in GUARDED:
            mechs.append("guard")
        for i, mech in enumerate(mechs):
            shape = SHAPES[(i + ci) % len(SHAPES)]
            src = SOURCES[(i + 2 * ci) % len(SOURCES)]
            for vuln in (True, False):
                case = f"{mech}_{shape}_{'vuln' if vuln else 'safe'}"
                write_app(APPS / f"cwe{cwe}" / case, cwe, shape, mech, src, vuln)
                n += 1
    for cwe, cases in MISUSE.items():
        for case, vfiles, sfiles in cases:
            for vuln, files in ((True, vfiles), (False, sfiles)):
                root = APPS / f"cwe{cwe}" / f"{case}_{'vuln' if vuln else 'safe'}"
                root.mkdir(parents=True)
                (root / "__init__.py").write_text("")
                for name, text in files.items():
                    (root / name).write_text(text)
                n += 1
    for d in APPS.iterdir():
        (d / "__init__.py").write_text("")
    (APPS / "__init__.py").write_text("")
    print(f"wrote {n} apps under {APPS}")


if __name__ == "__main__":
    main()
