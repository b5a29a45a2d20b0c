"""Money: token counting, prices, budgets, the ledger and the cost report.

``tokens``, ``pricing``, ``budget``, ``ledger`` and ``report`` import only the
shared modules. ``accounting`` turns a finished command (``pipeline.Outcome``)
into ledger rows and budget settlements, so it sits above the pipeline and the
paid call.
"""
