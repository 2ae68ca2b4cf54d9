"""Demand forecasting, allocation, routing and the plans that join them."""
