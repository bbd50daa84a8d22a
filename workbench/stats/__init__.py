"""Agreement statistics on plain values: coefficients, unitizing alpha, bootstrap intervals.

Imports nothing else of the workbench (an import-linter contract holds it).
"""
