"""Routes of the reports blueprint."""


from flask import Blueprint, request

from .config import ALLOWED, DEFAULTS
from .helpers import process

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/run", methods=["POST"])
def run_report():
    param = request.values.get("v", "")
    settings = {"fallback": DEFAULTS["22"], "user": param}
    bar = settings["user"]
    return process(bar)

