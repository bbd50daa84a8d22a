"""The gold dataset: its record format, writing a version (files, card, splits,
pseudonyms), loading one, and comparing two."""
