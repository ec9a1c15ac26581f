"""CodeAnatomy engine."""
