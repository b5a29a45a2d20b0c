"""What an installer (HACS, Home Assistant) checks about the package."""
