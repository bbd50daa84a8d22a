"""The records every stage shares: tasks as read, and the decisions made of them.

The bottom layer: it imports nothing of the workbench, and every package may import it.
"""
