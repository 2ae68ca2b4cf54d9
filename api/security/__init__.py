"""Who is calling and what they may do, as the HTTP side sees it: bearer tokens and sign-in
(`deps`), permissions as FastAPI dependencies, personal data by need (`personal`). The
users, roles and tokens themselves are `accounts`."""
