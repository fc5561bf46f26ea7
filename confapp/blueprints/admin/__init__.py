"""Administrators' pages: accounts and roles, site settings, the audit log."""
