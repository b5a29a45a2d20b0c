"""LLM providers behind one interface; switching provider is configuration only."""
