"""Label Studio's JSON export format: read any export as a stream of typed records,
with span offsets resolved to Python string indexes."""
