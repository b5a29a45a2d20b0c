"""Benchmark tests; the Home Assistant ones ask for ``enable_custom_integrations`` themselves."""
