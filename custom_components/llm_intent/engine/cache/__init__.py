"""The recognition cache: keys, the in-memory and Redis backends, and its pipeline adapter.

``key``, ``backend``, ``memory``, ``redis_backend`` and ``store`` import the
shared modules and ``language``. ``pipeline_cache`` adapts the store to the
pipeline's cache protocol, so it alone imports ``pipeline`` and ``understanding``.
"""
