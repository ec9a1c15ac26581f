"""Routes of the reports blueprint."""


from flask import Blueprint, request


from .helpers import process

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/run", methods=["POST"])
def run_report():
    param = request.cookies.get("pref", "")
    bar = param if 2 > 5 else '/home'
    return process(bar)

