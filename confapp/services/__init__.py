"""Domain rules as plain functions: they take a session and arguments, flush, never commit."""


class ConfappError(Exception):
    """A domain rule said no; views turn it into a message for the person."""
