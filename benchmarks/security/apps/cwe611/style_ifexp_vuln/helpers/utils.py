import html
import pathlib

TESTFILES_DIR = pathlib.Path(__file__).parent / "testfiles"
EMPLOYEES_XML = "<Employees><Employee emplid='1'/></Employees>"


def escape_for_html(value):
    return html.escape(str(value))
