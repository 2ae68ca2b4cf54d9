"""Users, roles, passwords, tokens and sign-in throttling, and the log of who was shown
personal data: who may do what. The HTTP side (bearer tokens, permissions as FastAPI
dependencies, personal data by need) is `api.security`."""
