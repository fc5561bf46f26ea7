"""Login and logout for staff (organisers, chair, administrators)."""

import math

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from confapp.blueprints.auth import throttle
from confapp.blueprints.auth.forms import LoginForm, SetPasswordForm
from confapp.errors import render_error
from confapp.extensions import db
from confapp.models import Role
from confapp.services import users
from confapp.templating import is_safe_redirect

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _home_for(user) -> str:
    if user.has_role(Role.ORGANISER, Role.ADMINISTRATOR):
        return url_for("organiser.events")
    if user.has_role(Role.CHAIR, Role.VICE_CHAIR):
        return url_for("chair.box_inbox")
    return url_for("public.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            attempt = throttle.admit(request.remote_addr or "", form.email.data)
        except throttle.TooManyAttempts as refused:
            return _too_many_attempts(refused.retry_after)
        except throttle.CountersUnavailable:
            return render_error(503)
        user = users.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            # One message for unknown user and wrong password: no hint which.
            form.password.errors.append(_("Wrong e-mail or password."))
        else:
            throttle.forgive(attempt)
            login_user(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(is_safe_redirect(request.args.get("next")) or _home_for(user))
    return render_template("auth/login.html", form=form)


def _too_many_attempts(retry_after: int):
    minutes = math.ceil(retry_after / 60)
    text = ngettext("Too many failed logins. Please wait %(num)d minute and try again.",
                    "Too many failed logins. Please wait %(num)d minutes and try again.", minutes)
    body, code = render_error(429, text)
    return body, code, {"Retry-After": str(retry_after)}


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        users.end_sessions(db.session, current_user._get_current_object())
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.index"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """The page a mailed set-password link opens: choose a password, then log in with it."""
    account = users.password_link_user(db.session, token)
    if account is None:
        return render_error(404, users.InvalidPasswordLink.message)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            users.use_password_link(db.session, token, form.password.data)
        except users.InvalidPasswordLink as error:
            db.session.rollback()
            return render_error(404, error.message)
        except users.WeakPassword as error:
            db.session.rollback()
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()  # whoever was logged in here, the next login is this account's
            flash(_("Your password is saved. Log in with your e-mail address and the new "
                    "password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, account=account,
                           min_length=users.MIN_PASSWORD_LENGTH)
