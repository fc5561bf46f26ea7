"""The question box's inbox in the chair's area (the same pages as the organisers')."""

from confapp.blueprints.chair import bp
from confapp.blueprints.inbox import attach

attach(bp)
