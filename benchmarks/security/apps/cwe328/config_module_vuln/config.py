SETTINGS = {"hash_algorithm": "md5", "rounds": 3}
