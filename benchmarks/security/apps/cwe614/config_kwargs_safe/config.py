COOKIE_OPTIONS = {'secure': True, 'httponly': True, 'samesite': 'Lax'}
