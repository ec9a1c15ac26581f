from hashlib import sha1, sha384

from flask import Flask, request
from flask.views import MethodView

app = Flask(__name__)


class Fingerprint(MethodView):
    def post(self):
        return sha384(request.get_data()).hexdigest()


app.add_url_rule('/fp', view_func=Fingerprint.as_view('fp'))
