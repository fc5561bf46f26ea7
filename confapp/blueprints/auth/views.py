"""Login and logout for staff (organisers, chair, administrators)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from confapp.blueprints.auth.forms import LoginForm
from confapp.extensions import db, limiter
from confapp.models import Role
from confapp.services import users
from confapp.templating import is_safe_redirect

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _home_for(user) -> str:
    if user.has_role(Role.ORGANISER, Role.ADMINISTRATOR):
        return url_for("organiser.events")
    return url_for("public.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            # One message for unknown user and wrong password: no hint which.
            form.password.errors.append(_("Wrong e-mail or password."))
        else:
            login_user(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            target = request.args.get("next")
            return redirect(target if is_safe_redirect(target) else _home_for(user))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.index"))
