"""The records every stage shares: tasks as read, and the decisions made of them; and how
figures are worded for people (``wording``), so the report, the card and the command agree.

The bottom layer: it imports nothing of the workbench, and every package may import it.
"""
