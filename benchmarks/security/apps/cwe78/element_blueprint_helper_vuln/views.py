"""Routes of the reports blueprint."""


from flask import Blueprint, request


from .helpers import process

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/run", methods=["POST"])
def run_report():
    param = request.form["name"]
    items = ['localhost', param]
    bar = items[1]
    return process(bar)

