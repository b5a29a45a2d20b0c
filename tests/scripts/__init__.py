"""The development scripts."""
