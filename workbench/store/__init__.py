"""Files the workbench keeps: atomic writes, the job lock, and the raw pull store."""
