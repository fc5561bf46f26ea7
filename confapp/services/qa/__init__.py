"""Questions and answers on agenda items: the rules, as plain functions that flush, never commit.

- ``sessions``: the event's join code, turning Q&A on, its settings and whether it is open;
- ``asking``: asking a question and voting for one (one vote per participant, in the database);
- ``moderation``: approve, reject, answer, pin, merge and edit, each a conditional UPDATE, so of
  two moderators acting at once one wins and the other is told what happened;
- ``revision``: the change counter behind the live pages' ETags;
- ``queries``: the moderation queue, the public list, the category breakdown and the ledger.
"""

from confapp.services.qa.asking import (
    Asker,
    ask,
    clean_text,
    cookie_key,
    has_voted,
    registration_key,
    unvote,
    vote,
)
from confapp.services.qa.errors import (
    AlreadyModerated,
    AnonymousNotAllowed,
    DuplicateQuestion,
    InvalidWindow,
    NotVotable,
    QAError,
    QuestionsClosed,
    QuestionsNotYetOpen,
    QuestionTooLong,
    QuestionTooShort,
    RegistrantsOnly,
    WrongSession,
)
from confapp.services.qa.moderation import (
    approve,
    edit,
    mark_answered,
    merge,
    pin,
    publish_written_answer,
    reject,
    unpin,
)
from confapp.services.qa.queries import (
    CategoryShare,
    Ledger,
    awaiting_written_answer,
    category_breakdown,
    event_sessions,
    ledger,
    moderation_queue,
    own_unpublished,
    public_questions,
    status_counts,
    written_answers,
)
from confapp.services.qa.revision import live_etag, touch
from confapp.services.qa.sessions import (
    QASettings,
    closes_at,
    default_enabled,
    enable_qa,
    ensure_join_code,
    is_open,
    new_join_code,
    reopen,
    stop,
    update_settings,
)

__all__ = [
    "AlreadyModerated",
    "AnonymousNotAllowed",
    "Asker",
    "CategoryShare",
    "DuplicateQuestion",
    "InvalidWindow",
    "Ledger",
    "NotVotable",
    "QAError",
    "QASettings",
    "QuestionTooLong",
    "QuestionTooShort",
    "QuestionsClosed",
    "QuestionsNotYetOpen",
    "RegistrantsOnly",
    "WrongSession",
    "approve",
    "ask",
    "awaiting_written_answer",
    "category_breakdown",
    "clean_text",
    "closes_at",
    "cookie_key",
    "default_enabled",
    "edit",
    "enable_qa",
    "ensure_join_code",
    "event_sessions",
    "has_voted",
    "is_open",
    "ledger",
    "live_etag",
    "mark_answered",
    "merge",
    "moderation_queue",
    "new_join_code",
    "own_unpublished",
    "pin",
    "public_questions",
    "publish_written_answer",
    "registration_key",
    "reject",
    "reopen",
    "status_counts",
    "stop",
    "touch",
    "unpin",
    "unvote",
    "update_settings",
    "vote",
    "written_answers",
]
