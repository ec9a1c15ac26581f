"""Routes of the reports blueprint."""


from flask import Blueprint, request


from .helpers import process

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/run", methods=["POST"])
def run_report():
    param = request.args.get("q", "")
    parts = []
    parts.append(param)
    parts.append('guest')
    bar = parts[0]
    return process(bar)

