"""The scenario library: one YAML file per crisis type, read by ``optimizer.demand.scenario``."""
