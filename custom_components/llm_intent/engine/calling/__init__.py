"""Talking to model providers: SDK providers, router, breaker, limiter, retries, the paid call.

``providers/``, ``router``, ``breaker``, ``limiter`` and ``retry`` sit below the
pipeline and import only the shared modules. ``paid_call`` is the pipeline's
model backend: it reserves budget (``cost``), routes the request and settles it,
so it is the one module here that imports ``pipeline``.
"""
