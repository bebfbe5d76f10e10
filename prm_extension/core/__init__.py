"""Domain rules of prm_extension. Nothing in this package imports frappe: the rules are plain
functions over plain data, tested in seconds by the fast suite (``pytest`` at the repo root)."""
