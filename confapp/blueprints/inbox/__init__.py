"""The question box's inbox, shared by the staff areas that answer it (organiser and chair).

Not a blueprint of its own: ``views.attach(bp)`` adds its pages to each area's blueprint, so each
area keeps its own role check and its own URLs, with one copy of the view code.
"""

from confapp.blueprints.inbox.views import attach

__all__ = ["attach"]
