"""Routes of the reports blueprint."""


from flask import Blueprint, request


from .helpers import process

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/run", methods=["POST"])
def run_report():
    param = request.args.get("q", "")
    num = 386
    bar = '/home' if (7 * 42) - num > 200 else param
    return process(bar)

