"""Home Assistant-free core of llm_intent.

Nothing under this package imports ``homeassistant``: the HA glue one level up
adapts HA's registries, intents and storage to the small protocols defined here,
so the whole recognition path runs and tests without a running HA.
"""
