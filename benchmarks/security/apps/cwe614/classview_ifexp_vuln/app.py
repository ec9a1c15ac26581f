from flask import Flask, make_response
from flask.views import MethodView

app = Flask(__name__)


class Remember(MethodView):
    def get(self):
        resp = make_response('ok')
        resp.set_cookie('remember', '1', secure=True if 2 > 5 else False)
        return resp


app.add_url_rule('/remember', view_func=Remember.as_view('remember'))
