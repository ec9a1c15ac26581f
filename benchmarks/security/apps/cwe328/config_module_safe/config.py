SETTINGS = {"hash_algorithm": "sha256", "rounds": 3}
