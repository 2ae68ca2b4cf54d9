"""Dispatch and receipt: vehicles, routes for an approved plan, manifests, route sheets."""
