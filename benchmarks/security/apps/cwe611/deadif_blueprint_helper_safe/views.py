"""Routes of the reports blueprint."""


from flask import Blueprint, request


from .helpers import process

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/run", methods=["POST"])
def run_report():
    param = request.values.get("v", "")
    limit = 40
    if limit * 3 < 100:
        bar = param
    else:
        bar = '<a/>'
    return process(bar)

