"""Pages anyone can see. ``views`` makes the blueprint; other modules add their routes to it."""

from confapp.blueprints.public import box  # noqa: F401  (attaches the question box's routes)
