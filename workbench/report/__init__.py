"""The maintainer's quality report: what it shows (``collect``) and the page (``page``)."""
