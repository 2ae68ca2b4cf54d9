"""The pure cores: demand forecasting (`demand`), allocation (`allocation`) and vehicle
routing (`routing`). They take plain data and return plain data; no database, web framework
or settings (an import-linter contract in pyproject.toml). `plans` and `dispatch` feed them
from the database and store what they answer."""
