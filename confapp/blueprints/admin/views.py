"""Administrators' pages: staff accounts and their roles, site settings, the audit log."""

from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from confapp.auth import restrict_blueprint
from confapp.blueprints.admin.forms import (
    LOCALE_CHOICES,
    SETTING_LABELS,
    AccountForm,
    NewAccountForm,
    SettingsForm,
)
from confapp.extensions import db
from confapp.models import AuditAction, AuditEntry, Role, User
from confapp.services import audit, users
from confapp.services import settings as settings_service
from confapp.services.audit import Actor
from confapp.templating import ROLE_LABELS, datetime_text

bp = Blueprint("admin", __name__, url_prefix="/admin")
restrict_blueprint(bp, Role.ADMINISTRATOR)


def _actor() -> Actor:
    return Actor.of(current_user._get_current_object())


def _send_link(account: User) -> None:
    config = current_app.config
    users.send_password_link(
        db.session, account, base_url=config["PUBLIC_BASE_URL"],
        council_name=settings_service.current(db.session, config).council_name,
        hours=config["PASSWORD_LINK_HOURS"], actor=_actor())


def _link_sent_message(account: User) -> str:
    return ngettext("A mail with a link to choose a password was sent to %(email)s. The link "
                    "works once, for %(num)d hour.",
                    "A mail with a link to choose a password was sent to %(email)s. The link "
                    "works once, for %(num)d hours.",
                    current_app.config["PASSWORD_LINK_HOURS"], email=account.email)


# --- Accounts -------------------------------------------------------------------------------


@bp.get("/")
def accounts():
    return render_template("admin/users.html", accounts=users.all_users(db.session),
                           links=users.pending_password_links(db.session))


@bp.route("/users/new", methods=["GET", "POST"])
def new_account():
    form = NewAccountForm()
    if form.validate_on_submit():
        try:
            account = users.create_user(db.session, form.email.data, None, form.role_set,
                                        form.name.data, locale=form.locale.data, actor=_actor())
            if form.send_link.data:
                _send_link(account)
        except users.UserError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The account was created."), "success")
            if form.send_link.data:
                flash(_link_sent_message(account), "success")
            return redirect(url_for("admin.account", user_id=account.id))
    return render_template("admin/new_user.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def account(user_id: int):
    account = db.get_or_404(User, user_id)
    form = AccountForm(obj=account)
    if form.validate_on_submit():
        try:
            # Roles first: it locks the administrators' rows before this account's row is written.
            users.set_user_roles(db.session, account, form.role_set, actor=_actor())
            users.update_profile(db.session, account, form.name.data, form.locale.data,
                                 actor=_actor())
        except users.LastAdministrator as error:
            db.session.rollback()
            form.roles.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The account was saved."), "success")
            return redirect(url_for("admin.account", user_id=account.id))
    return render_template("admin/user.html", account=account, form=form,
                           link_expires=users.pending_password_links(db.session, account.id)
                           .get(account.id))


@bp.post("/users/<int:user_id>/password-link")
def send_password_link(user_id: int):
    account = db.get_or_404(User, user_id)
    try:
        _send_link(account)
    except users.UserError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_link_sent_message(account), "success")
    return redirect(url_for("admin.account", user_id=account.id))


def _change_account(user_id: int, change, done: str):
    account = db.get_or_404(User, user_id)
    try:
        change(db.session, account, actor=_actor())
    except users.UserError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("admin.account", user_id=account.id))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_account(user_id: int):
    return _change_account(user_id, users.deactivate,
                           _("The account is deactivated: it cannot log in, and its sessions "
                             "have ended."))


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_account(user_id: int):
    return _change_account(user_id, users.reactivate, _("The account is active again."))


# --- Site settings --------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
def site_settings():
    config = current_app.config
    form = SettingsForm(obj=settings_service.current(db.session, config))
    if form.validate_on_submit():
        try:
            changed = settings_service.update(db.session, config, _actor(), form.values())
        except settings_service.InvalidSettings as error:
            db.session.rollback()
            for name, message in error.errors.items():
                form[name].errors.append(message)
        else:
            db.session.commit()
            if changed:
                flash(ngettext("%(num)d setting was changed.", "%(num)d settings were changed.",
                               len(changed)), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("admin.site_settings"))
    return render_template("admin/settings.html", form=form,
                           defaults=settings_service.defaults(config))


# --- The audit log --------------------------------------------------------------------------

ACTION_LABELS = {
    AuditAction.SETTING_CHANGED: _l("Setting changed"),
    AuditAction.USER_CREATED: _l("Account created"),
    AuditAction.USER_RENAMED: _l("Name changed"),
    AuditAction.ROLES_CHANGED: _l("Roles changed"),
    AuditAction.LOCALE_CHANGED: _l("Language of mails changed"),
    AuditAction.USER_DEACTIVATED: _l("Account deactivated"),
    AuditAction.USER_REACTIVATED: _l("Account reactivated"),
    AuditAction.PASSWORD_LINK_SENT: _l("Set-password link sent"),
    AuditAction.PASSWORD_SET: _l("Password set"),
}
STATE_LABELS = {"active": _l("Active"), "inactive": _l("Deactivated")}
LOCALE_LABELS = dict(LOCALE_CHOICES)


def _roles_text(value: str) -> str:
    labels = []
    for part in filter(None, value.split(",")):
        try:
            labels.append(str(ROLE_LABELS[Role(part)]))
        except (ValueError, KeyError):
            labels.append(part)
    return ", ".join(labels)


def _value_text(entry: AuditEntry, value: str) -> str:
    """A stored old or new value as the reader understands it."""
    if not value:
        return ""
    if entry.action in (AuditAction.USER_CREATED, AuditAction.ROLES_CHANGED):
        return _roles_text(value)
    if entry.action in (AuditAction.USER_DEACTIVATED, AuditAction.USER_REACTIVATED):
        return str(STATE_LABELS.get(value, value))
    if entry.action == AuditAction.LOCALE_CHANGED:
        return LOCALE_LABELS.get(value, value)
    if entry.action == AuditAction.PASSWORD_LINK_SENT:
        try:
            return _("valid until %(moment)s", moment=datetime_text(datetime.fromisoformat(value)))
        except ValueError:
            return value
    return value


def describe(entry: AuditEntry) -> dict:
    """One row of the audit log page: when, who, what, to which setting or account, old → new."""
    subject = entry.subject
    if entry.action == AuditAction.SETTING_CHANGED:
        subject = str(SETTING_LABELS.get(entry.subject, entry.subject))
    return {"at": entry.at, "actor": entry.actor,
            "action": str(ACTION_LABELS.get(entry.action, entry.action)), "subject": subject,
            "old": _value_text(entry, entry.old_value), "new": _value_text(entry, entry.new_value)}


@bp.get("/audit")
def audit_log():
    page = audit.entries_page(db.session, request.args.get("page", 1, type=int))
    return render_template("admin/audit.html", page=page,
                           rows=[describe(entry) for entry in page.items])
