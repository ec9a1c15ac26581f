COOKIE_OPTIONS = {'secure': False, 'httponly': True, 'samesite': 'Lax'}
