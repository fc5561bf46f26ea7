"""PDF renderers: pure functions from frozen dataclasses to PDF bytes (reportlab only)."""
