"""Routes of the reports blueprint."""


from flask import Blueprint, request


from .helpers import process

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/run", methods=["POST"])
def run_report():
    param = request.headers.get("X-Target", "")
    table = {}
    table["keyA"] = '<a/>'
    table["keyB"] = param
    bar = table.get("keyB")
    return process(bar)

