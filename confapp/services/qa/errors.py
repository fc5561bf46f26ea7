"""The named ways a Q&A rule says no; each carries a message in the reader's language."""

from flask_babel import lazy_gettext as _l

from confapp.models import Question
from confapp.services import ConfappError


class QAError(ConfappError):
    message = _l("This is not possible.")


class QuestionsClosed(QAError):
    message = _l("This session no longer takes new questions.")


class QuestionsNotYetOpen(QuestionsClosed):
    message = _l("This session does not take questions yet.")


class RegistrantsOnly(QAError):
    message = _l("Only registered participants can ask here. Use the personal link from your "
                 "confirmation mail.")


class QuestionTooShort(QAError):
    field = "text"
    message = _l("Write a question of at least 3 characters.")


class QuestionTooLong(QAError):
    field = "text"
    message = _l("A question can be at most 500 characters.")


class DuplicateQuestion(QAError):
    field = "text"
    message = _l("You have already asked this question.")


class AnonymousNotAllowed(QAError):
    field = "anonymous"
    message = _l("Questions in this session need a name.")


class NotVotable(QAError):
    message = _l("You cannot vote for this question.")


class WrongSession(QAError):
    message = _l("These questions are not in the same session.")


class InvalidWindow(QAError):
    field = "closes_at"
    message = _l("Questions must close after they open.")


class AlreadyModerated(QAError):
    """Another moderator got there first; ``question`` (and ``status``, ``version``, kept as
    plain values so they outlive the transaction) is its state now."""

    message = _l("Someone else has just changed this question. Its current state is shown.")

    def __init__(self, question: Question):
        super().__init__(question.id)
        self.question = question
        self.status = question.status
        self.version = question.version
