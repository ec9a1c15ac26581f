"""Routes of the reports blueprint."""


from flask import Blueprint, request

from .config import ALLOWED, DEFAULTS
from .helpers import process

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/run", methods=["POST"])
def run_report():
    param = request.headers.get("X-Target", "")
    settings = {"fallback": DEFAULTS["78"], "user": param}
    bar = settings["user"]
    return process(bar)

