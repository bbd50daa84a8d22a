"""A project's pulls kept current by deltas: the raw deltas, the merged state, its pulls."""
