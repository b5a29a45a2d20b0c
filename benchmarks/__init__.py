"""Measurements of LLM Intent: cost, latency, bursts and cache against HA's own
``openai_conversation`` (``scripts/bench``), and recognition accuracy on a
labelled Polish/English dataset (``scripts/eval``).

Nothing here is part of the integration; it drives the integration and its
engine exactly as Home Assistant does, over the fake provider in
``tests/fake_provider.py`` or a real provider when a key is given.
"""
