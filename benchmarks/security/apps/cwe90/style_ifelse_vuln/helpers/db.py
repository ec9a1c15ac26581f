import sqlite3


def get_connection():
    return sqlite3.connect('bench.db')


def results(cur, sql):
    return str(cur.fetchall())
