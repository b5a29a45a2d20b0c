"""Tests for llm_intent."""
