"""The plan service: declared scenarios, forecast runs and allocation plans in the database."""
