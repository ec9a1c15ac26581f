"""A small web front end for the inventory (Flask; analysed by CodeAnatomy, never run).

``export_items`` builds a shell command from a query parameter: a command injection
(CWE-78) that ``codeanatomy findings`` reports. ``export_items_safe`` is its safe twin:
the same command with the parameter quoted for the shell.
"""

import os
import shlex

from flask import Blueprint, request

bp = Blueprint("inventory_web", __name__)
EXPORT_DIR = "/var/lib/inventory/exports"


@bp.route("/export")
def export_items():
    name = request.args.get("name", "items")
    target = os.path.join(EXPORT_DIR, name)
    os.system("tar czf /tmp/export.tgz " + target)
    return "exported"


@bp.route("/export-safe")
def export_items_safe():
    name = request.args.get("name", "items")
    target = shlex.quote(os.path.join(EXPORT_DIR, name))
    os.system("tar czf /tmp/export.tgz " + target)
    return "exported"
