"""Users, roles, passwords and tokens: who may do what."""
