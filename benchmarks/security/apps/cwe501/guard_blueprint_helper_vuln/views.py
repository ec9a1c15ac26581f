"""Routes of the reports blueprint."""


from flask import Blueprint, request

from .config import ALLOWED, DEFAULTS
from .helpers import process

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/run", methods=["POST"])
def run_report():
    param = request.args.get("q", "")
    if param not in ALLOWED:
        print("unexpected value")
    bar = param
    return process(bar)

