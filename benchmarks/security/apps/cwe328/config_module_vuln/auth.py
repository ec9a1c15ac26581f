import hashlib

from .config import SETTINGS


def password_hash(password, salt):
    h = hashlib.new(SETTINGS['hash_algorithm'])
    h.update(salt + password.encode())
    return h.hexdigest()
