"""Metrics (Prometheus) and traces (OpenTelemetry) of commands, model calls, budgets and breakers.

Sits at the top of the engine beside ``bridge``: it reads the pipeline's outcomes
and the router's attempts and may import any package below.
"""
