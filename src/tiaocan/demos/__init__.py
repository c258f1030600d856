"""End-to-end demonstrations run by ``tiaocan demo``."""
