"""Staff sign-in, sign-out and password change."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import users
from app.core.errors import ValidationFailed
from app.extensions import limiter
from app.forms.auth import LoginForm, PasswordChangeForm
from app.security import keep_private

bp = Blueprint("auth", __name__)
keep_private(bp)  # sign-in and password pages


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def login_account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def submitted_account() -> str:
    """The per-account key: the email as typed, folded (one person, many addresses)."""
    return "account:" + (request.form.get("email") or "").strip().casefold()[:254]


def failed_sign_in(response) -> bool:
    return response.status_code == 401


def _home(user) -> str:
    """Where a person lands after signing in: desk staff at their desks."""
    return url_for("desk.index" if user.role == "desk" else "organize.index")


def _safe_next(target: str | None, user) -> str:
    if not target:
        return _home(user)
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return _home(user)
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
# Failed sign-ins per account, whatever the address: guessing one account's password from many
# addresses (or behind one proxy) is throttled too.
@limiter.limit(
    login_account_limit, methods=["POST"], key_func=submitted_account, deduct_when=failed_sign_in
)
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next"), user), code=303)
        form.form_errors.append(_("The email or password is not right."))
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        users.end_sessions(current_user)  # a copy of this session's cookie stops working too
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("public.index"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            users.change_password(current_user, form.current_password.data, form.new_password.data)
        except ValidationFailed as exc:
            for name, messages in exc.errors.items():
                getattr(form, name).errors = list(messages)
            status = 422
        else:
            login_user(
                current_user._get_current_object()
            )  # this session goes on; the account's others have ended
            flash(_("Your password is changed."), "success")
            return redirect(_home(current_user), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("auth/password.html", form=form, min_password=users.MIN_PASSWORD), status
