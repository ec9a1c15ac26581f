from flask import Blueprint, request

from .auth import password_hash

bp = Blueprint('auth', __name__)


@bp.route('/register', methods=['POST'])
def register():
    return password_hash(request.form['password'], b'salt')
