from flask import Blueprint

from .tokens import make_reset_token

bp = Blueprint('reset', __name__)


@bp.route('/reset')
def reset():
    return {'token': make_reset_token()}
