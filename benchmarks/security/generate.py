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


# --- benchmark-style apps ---------------------------------------------------------------
# One test per app, in the style of generated security benchmarks: a module with
# ``init(app)`` registering a GET and a POST route (nested functions), request data
# read through varied idioms, a propagator that decides the case, and the sink
# accumulating a RESPONSE string; helpers live in the app's own helpers module.
B_SOURCES = [
    'param = request.args.get("BenchmarkTest")\n        if not param:\n            param = ""',
    'values = request.form.getlist("BenchmarkTest")\n        param = ""\n        if values:\n            param = values[0]',
    'param = request.headers.get("BenchmarkTest")\n        param = urllib.parse.unquote(param)',
    'param = request.cookies.get("BenchmarkTest", "noCookieValueSupplied")',
    'parts = request.path.split("/")\n        param = parts[1]',
    'map1 = request.form.to_dict()\n        param = ""\n        if map1:\n            param = map1.get("BenchmarkTest")',
    'query_string = request.query_string.decode("utf-8")\n        loc = query_string.find("BenchmarkTest=")\n'
    '        param = query_string[loc + 14:]\n        amp = param.find("&")\n        if amp != -1:\n'
    "            param = param[:amp]\n        param = urllib.parse.unquote_plus(param)",
]


def b_prop(kind: str, vuln: bool) -> str:
    if kind == "listpop":
        idx = 0 if vuln else 1
        return (
            'bar = "alsosafe"\n        if param:\n            lst = []\n            lst.append("safe")\n'
            '            lst.append(param)\n            lst.append("moresafe")\n            lst.pop(0)\n'
            f"            bar = lst[{idx}]"
        )
    if kind == "ifexp":
        if vuln:
            return 'num = 106\n        bar = param if 7 * 18 + num > 200 else "This should never happen"'
        return (
            'num = 106\n        bar = "This should never happen" if 7 * 18 + num > 200 else param'
        )
    if kind == "ifelse":
        a, b = (
            ("param", '"This_should_always_happen"')
            if vuln
            else ('"This_should_always_happen"', "param")
        )
        return f"num = 86\n        if (7 * 42) - num > 200:\n            bar = {a}\n        else:\n            bar = {b}"
    if kind == "map":
        key = "keyB-0001" if vuln else "keyA-0001"
        return (
            'map2 = {}\n        map2["keyA-0001"] = "a-Value"\n        map2["keyB-0001"] = param\n'
            f'        map2["keyC"] = "another-Value"\n        bar = map2["{key}"]'
        )
    if kind == "config":
        key = "keyB-0001" if vuln else "keyA-0001"
        return (
            'conf = configparser.ConfigParser()\n        conf.add_section("section0001")\n'
            '        conf.set("section0001", "keyA-0001", "a_Value")\n'
            '        conf.set("section0001", "keyB-0001", param)\n'
            f'        bar = conf.get("section0001", "{key}")'
        )
    if kind == "match":
        pos = 0 if vuln else 1
        return (
            f'possible = "ABC"\n        guess = possible[{pos}]\n        match guess:\n'
            '            case "A":\n                bar = param\n            case "B":\n'
            '                bar = "bob"\n            case "C" | "D":\n                bar = param\n'
            '            case _:\n                bar = "bob\'s your uncle"'
        )
    if kind == "thing":
        cls = "ThingA" if vuln else "ThingB"
        return f"thing = helpers.things.{cls}()\n        bar = thing.do_something(param)"
    raise ValueError(kind)


B_SINKS: dict[str, tuple[str, str | None]] = {
    # cwe -> (sink code over bar, the safe-API twin or None)
    "78": (
        'arg_list = []\n        if "Windows" in platform.system():\n            arg_list.append("cmd.exe")\n'
        '            arg_list.append("/c")\n        else:\n            arg_list.append("sh")\n'
        '            arg_list.append("-c")\n        arg_list.append(f"echo {bar}")\n'
        '        proc = subprocess.run(arg_list, capture_output=True, encoding="utf-8")\n'
        "        RESPONSE += proc.stdout",
        None,
    ),
    "94": ('result = eval(bar)\n        RESPONSE += f"Result: {result}"', None),
    "502": (
        "import yaml\n        obj = yaml.load(bar, Loader=yaml.Loader)\n        RESPONSE += str(obj)",
        "import yaml\n        obj = yaml.load(bar, Loader=yaml.SafeLoader)\n        RESPONSE += str(obj)",
    ),
    "90": (
        "conn = helpers.ldap.get_connection()\n"
        '        conn.search("ou=users,dc=example,dc=com", f"(&(objectclass=person)(uid={bar}))")\n'
        '        RESPONSE += "searched"',
        None,
    ),
    "22": (
        "file_name = os.path.join(helpers.utils.TESTFILES_DIR, bar)\n"
        '        with open(file_name, "rb") as fd:\n            RESPONSE += fd.read().decode()',
        None,
    ),
    "601": ("return flask.redirect(bar)", None),
    "89": (
        "sql = f\"SELECT TOP 1 userid from USERS where USERNAME='foo' and PASSWORD='{bar}'\"\n"
        "        con = helpers.db.get_connection()\n        cur = con.cursor()\n        cur.execute(sql)\n"
        "        RESPONSE += helpers.db.results(cur, sql)",
        "sql = \"SELECT TOP 1 userid from USERS where USERNAME='foo' and PASSWORD=?\"\n"
        "        con = helpers.db.get_connection()\n        cur = con.cursor()\n        cur.execute(sql, (bar,))\n"
        "        RESPONSE += helpers.db.results(cur, sql)",
    ),
    "501": ('flask.session["userid"] = bar\n        RESPONSE += "stored"', None),
    "643": (
        "root = ET.fromstring(helpers.utils.EMPLOYEES_XML)\n"
        "        query = f\"/Employees/Employee[@emplid='{bar}']\"\n"
        "        nodes = elementpath.select(root, query)\n        RESPONSE += str(len(nodes))",
        None,
    ),
    "79": (
        'RESPONSE += f"Parameter value: {bar}"',
        'RESPONSE += f"Parameter value: {helpers.utils.escape_for_html(bar)}"',
    ),
    "611": (
        "parser = xml.sax.make_parser()\n"
        "        parser.setFeature(xml.sax.handler.feature_external_ges, True)\n"
        "        parser.setContentHandler(xml.sax.handler.ContentHandler())\n"
        '        parser.parse(io.StringIO(bar))\n        RESPONSE += "parsed"',
        "parser = xml.sax.make_parser()\n"
        "        parser.setFeature(xml.sax.handler.feature_external_ges, False)\n"
        "        parser.setContentHandler(xml.sax.handler.ContentHandler())\n"
        '        parser.parse(io.StringIO(bar))\n        RESPONSE += "parsed"',
    ),
}

B_HELPERS = {
    "helpers/__init__.py": "from . import db, ldap, things, utils  # noqa: F401\n",
    "helpers/utils.py": 'import html\nimport pathlib\n\nTESTFILES_DIR = pathlib.Path(__file__).parent / "testfiles"\n'
    "EMPLOYEES_XML = \"<Employees><Employee emplid='1'/></Employees>\"\n\n\n"
    "def escape_for_html(value):\n    return html.escape(str(value))\n",
    "helpers/db.py": "import sqlite3\n\n\ndef get_connection():\n    return sqlite3.connect('bench.db')\n\n\n"
    "def results(cur, sql):\n    return str(cur.fetchall())\n",
    "helpers/ldap.py": "from ldap3 import Connection, Server\n\n\ndef get_connection():\n"
    "    return Connection(Server('ldap://127.0.0.1'), auto_bind=True)\n",
    "helpers/things.py": "class ThingA:\n    def do_something(self, value):\n        return value\n\n\n"
    "class ThingB:\n    def do_something(self, value):\n        return 'safe_value'\n",
}

B_HEAD = (
    "import configparser\nimport io\nimport os\nimport platform\nimport subprocess\n"
    "import urllib.parse\nimport xml.etree.ElementTree as ET\nimport xml.sax\n\n"
    "import elementpath\nimport flask\nfrom flask import request\n\nimport helpers\n\n\n"
)
B_PROPS = ["listpop", "ifexp", "ifelse", "map", "config", "match", "thing"]


def write_bench_app(root: Path, cwe: str, n: int, prop: str, vuln: bool, safe_api: bool) -> None:
    sink, safe_sink = B_SINKS[cwe]
    if safe_api:
        body_prop = "bar = param"
        use = sink if vuln else safe_sink
    else:
        body_prop = b_prop(prop, vuln)
        use = sink
    src = B_SOURCES[n % len(B_SOURCES)].replace("BenchmarkTest", f"BenchmarkTest{n:05d}")
    ret = (
        ""
        if use.lstrip().startswith("return") or "\n        return" in use
        else "\n        return RESPONSE"
    )
    code = (
        B_HEAD
        + "def init(app):\n"
        + f"    @app.route('/benchmark/{cwe}/BenchmarkTest{n:05d}', methods=['GET'])\n"
        + f"    def BenchmarkTest{n:05d}_get():\n        return BenchmarkTest{n:05d}_post()\n\n"
        + f"    @app.route('/benchmark/{cwe}/BenchmarkTest{n:05d}', methods=['POST'])\n"
        + f"    def BenchmarkTest{n:05d}_post():\n"
        + '        RESPONSE = ""\n\n'
        + f"        {src}\n\n        {body_prop}\n\n        {use}{ret}\n"
    )
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / f"BenchmarkTest{n:05d}.py").write_text(code)
    for rel, text in B_HELPERS.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)


B_MISUSE: dict[str, list[tuple[str, str, str]]] = {
    # cwe -> [(case, vulnerable body, safe body)], inside the POST route
    "328": [
        ("new_md5", 'hash1 = hashlib.new("md5")', 'hash1 = hashlib.new("sha384")'),
        ("sha1", "hash1 = hashlib.sha1()", "hash1 = hashlib.sha512()"),
        (
            "md5_var",
            'alg = "MD5"\n        hash1 = hashlib.new(alg)',
            'alg = "SHA256"\n        hash1 = hashlib.new(alg)',
        ),
    ],
    "330": [
        (
            "remember_me",
            "num = random.random()\n        remember_me_key = str(num)[2:]",
            "num = secrets.randbelow(10**12)\n        remember_me_key = str(num)",
        ),
        (
            "getrandbits",
            "remember_me_key = str(random.getrandbits(64))",
            "remember_me_key = str(random.SystemRandom().getrandbits(64))",
        ),
        (
            "randint",
            "remember_me_key = str(random.randint(0, 99999999))",
            "remember_me_key = secrets.token_hex(16)",
        ),
    ],
    "614": [
        (
            "secure_false",
            'response.set_cookie("SomeCookie", "v", secure=False, httponly=True, path=request.path)',
            'response.set_cookie("SomeCookie", "v", secure=True, httponly=True, path=request.path)',
        ),
        (
            "no_secure",
            'response.set_cookie("SomeCookie", "v", httponly=True, path=request.path)',
            'response.set_cookie("SomeCookie", "v", secure=True, httponly=True, path=request.path)',
        ),
    ],
}


def write_bench_misuse(root: Path, cwe: str, n: int, body: str) -> None:
    if cwe == "328":
        core = f"{body}\n        hash1.update(request.args.get('x', '').encode())\n        RESPONSE += hash1.hexdigest()\n        return RESPONSE"
    elif cwe == "330":
        core = (
            f"{body}\n        cookie_name = 'rememberMe{n:05d}'\n"
            "        flask.session[cookie_name] = remember_me_key\n"
            "        response = flask.make_response(RESPONSE)\n"
            "        response.set_cookie(cookie_name, remember_me_key, secure=True, httponly=True)\n"
            "        return response"
        )
    else:
        core = f"response = flask.make_response(RESPONSE)\n        {body}\n        return response"
    code = (
        "import hashlib\nimport random\nimport secrets\n\nimport flask\nfrom flask import request\n\n\n"
        "def init(app):\n"
        f"    @app.route('/benchmark/{cwe}/BenchmarkTest{n:05d}', methods=['POST'])\n"
        f'    def BenchmarkTest{n:05d}_post():\n        RESPONSE = ""\n        {core}\n'
    )
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / f"BenchmarkTest{n:05d}.py").write_text(code)


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
    k = 1
    for cwe in B_SINKS:
        props = [p for i, p in enumerate(B_PROPS) if (i + int(cwe)) % 7 < 4]
        cases = [(p, False) for p in props]
        if B_SINKS[cwe][1] is not None:
            cases.append(("api", True))
        for prop, api in cases:
            for vuln in (True, False):
                name = f"style_{prop}_{'vuln' if vuln else 'safe'}"
                write_bench_app(APPS / f"cwe{cwe}" / name, cwe, k, prop, vuln, api)
                n += 1
            k += 1
    for cwe, cases3 in B_MISUSE.items():
        for case, vbody, sbody in cases3:
            for vuln, body in ((True, vbody), (False, sbody)):
                write_bench_misuse(
                    APPS / f"cwe{cwe}" / f"style_{case}_{'vuln' if vuln else 'safe'}", cwe, k, body
                )
                n += 1
            k += 1
    for d in APPS.iterdir():
        (d / "__init__.py").write_text("")
    (APPS / "__init__.py").write_text("")
    print(f"wrote {n} apps under {APPS}")


if __name__ == "__main__":
    main()
