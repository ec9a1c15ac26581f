"""Routes of the reports blueprint."""


from flask import Blueprint, request


from .helpers import process

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/run", methods=["POST"])
def run_report():
    param = request.get_json(force=True).get("value", "")
    choices = {"default": 'anonymous', "user": param}
    bar = choices["default"]
    return process(bar)

