"""The question box's inbox in the organisers' area (the same pages as the chair's)."""

from confapp.blueprints.inbox import attach
from confapp.blueprints.organiser import bp

attach(bp)
