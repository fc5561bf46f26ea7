"""Command-line tools: ``flask --app confapp users|demo ...``."""

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from confapp.extensions import db
from confapp.models import Role, User
from confapp.services import ConfappError, delivery, demo, privacy, settings, users
from confapp.services.audit import CLI

users_cli = AppGroup("users", help="Manage staff accounts and roles.")
demo_cli = AppGroup("demo", help="The realistic demo data.")
mail_cli = AppGroup("mail", help="Deliver the mail outbox.")
privacy_cli = AppGroup("privacy", help="GDPR retention.")

ROLE_CHOICE = click.Choice([r.value for r in Role])


def _read_password(password: str | None) -> str:
    if password:
        return password
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE, required=True,
              help="Repeat for several roles.")
@click.option("--name", default="", help="Display name.")
@click.option("--password", envvar="CONFAPP_PASSWORD", help="Otherwise asked for, or read from stdin.")
def create_user(email: str, roles: tuple[str, ...], name: str, password: str | None) -> None:
    """Create a staff account."""
    try:
        user = users.create_user(db.session, email, _read_password(password),
                                 {Role(r) for r in roles}, name=name, actor=CLI)
    except ConfappError as error:
        raise click.ClickException(f"{type(error).__name__}: {error}") from error
    db.session.commit()
    click.echo(f"Created {user.email} with roles {', '.join(sorted(user.roles))}")


@users_cli.command("list")
def list_users() -> None:
    """List staff accounts and their roles."""
    for user in db.session.scalars(db.select(User).order_by(User.email)):
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.email}\t{user.name}\t{','.join(sorted(user.roles))}{state}")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", envvar="CONFAPP_PASSWORD", help="Otherwise asked for, or read from stdin.")
def set_password(email: str, password: str | None) -> None:
    """Set a new password for an account."""
    try:
        users.set_password(db.session, email, _read_password(password), actor=CLI)
    except ConfappError as error:
        raise click.ClickException(f"{type(error).__name__}: {error}") from error
    db.session.commit()
    click.echo(f"Password changed for {email}")


@users_cli.command("set-roles")
@click.argument("email")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE, required=True)
def set_roles(email: str, roles: tuple[str, ...]) -> None:
    """Replace an account's roles."""
    try:
        user = users.set_roles(db.session, email, {Role(r) for r in roles}, actor=CLI)
    except ConfappError as error:
        raise click.ClickException(f"{type(error).__name__}: {error}") from error
    db.session.commit()
    click.echo(f"{user.email} now has roles {', '.join(sorted(user.roles))}")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Close an account: no login, its sessions end (never the last active administrator)."""
    _change_account(email, users.deactivate, "is deactivated")


@users_cli.command("reactivate")
@click.argument("email")
def reactivate(email: str) -> None:
    """Open a closed account again, with its old password and roles."""
    _change_account(email, users.reactivate, "is active again")


def _change_account(email: str, change, done: str) -> None:
    user = users.find_user(db.session, email)
    try:
        if user is None:
            raise users.UnknownUser(email)
        change(db.session, user, actor=CLI)
    except ConfappError as error:
        raise click.ClickException(f"{type(error).__name__}: {error}") from error
    db.session.commit()
    click.echo(f"{user.email} {done}")


@demo_cli.command("load")
def load_demo() -> None:
    """Load the realistic demo (idempotent) and print the demo accounts."""
    from confapp.services.registration import Site

    site = Site(base_url=current_app.config["PUBLIC_BASE_URL"], secret_key=current_app.secret_key)
    created = demo.load_demo(db.session, site)
    db.session.commit()
    click.echo(f"Demo loaded: {len(created['events'])} new events, "
               f"{len(created['accounts'])} new accounts, {created['registrants']} new registrants, "
               f"{created['questions']} questions, {created['box_messages']} question-box messages.")
    click.echo(f"Demo accounts (password: {demo.DEMO_PASSWORD}):")
    for email, name, roles in demo.DEMO_ACCOUNTS:
        click.echo(f"  {email:28} {', '.join(sorted(r.value for r in roles))}")


@mail_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running; otherwise one pass.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between empty polls.")
@click.option("--batch", default=50, show_default=True, help="Mails leased per pass.")
@click.option("--quiet", is_flag=True, help="Print nothing unless something goes wrong.")
def deliver_mail(loop: bool, interval: float, batch: int, quiet: bool) -> None:
    """Send queued mails (several workers may run at once)."""
    if loop:
        if not quiet:
            click.echo(f"Delivering mail every {interval:g} s to "
                       f"{current_app.config['MAIL_SERVER']}:{current_app.config['MAIL_PORT']} "
                       "(Ctrl+C stops)")
        try:
            delivery.deliver_forever(db.session, interval=interval, limit=batch)
        except KeyboardInterrupt:
            pass
        return
    total = delivery.DeliveryReport()
    while True:
        report = delivery.deliver_once(db.session, limit=batch)
        for name in ("claimed", "sent", "retried", "failed"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if report.claimed < batch:
            break
    if not quiet:
        click.echo(f"sent {total.sent}, retry later {total.retried}, failed {total.failed}")


@privacy_cli.command("purge")
@click.option("--retention-days", type=int,
              help="Default: the site setting, else RETENTION_DAYS from the configuration.")
@click.option("--needs-retention-days", type=int,
              help="Default: the site setting, else NEEDS_RETENTION_DAYS from the configuration.")
def purge(retention_days: int | None, needs_retention_days: int | None) -> None:
    """Anonymise registrations of long-past events; delete dietary/accessibility notes sooner;
    forget the senders of question-box messages answered or closed that long ago, and the
    askers of questions at those events."""
    site = settings.current(db.session, current_app.config)
    result = privacy.purge(
        db.session,
        retention_days=site.retention_days if retention_days is None else retention_days,
        needs_retention_days=(site.needs_retention_days if needs_retention_days is None
                              else needs_retention_days),
    )
    db.session.commit()
    click.echo(f"anonymised {result['anonymised']} registrations, "
               f"deleted needs from {result['needs_deleted']}, "
               f"removed senders from {result['box_messages_cleared']} box messages "
               f"and askers from {result['questions_cleared']} questions")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(privacy_cli)
