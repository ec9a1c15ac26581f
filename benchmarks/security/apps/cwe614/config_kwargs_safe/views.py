from flask import Blueprint, make_response

from .config import COOKIE_OPTIONS

bp = Blueprint('session', __name__)


@bp.route('/start')
def start():
    resp = make_response('started')
    resp.set_cookie('session_id', 'xyz', **COOKIE_OPTIONS)
    return resp
