"""From annotations to decisions: validation rules, agreement coefficients,
adjudication by vote or review, and the append-only decisions log."""
