"""Command-line tools: ``flask --app confapp users|demo ...``."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from confapp.extensions import db
from confapp.models import Role, User
from confapp.services import ConfappError, demo, users

users_cli = AppGroup("users", help="Manage staff accounts and roles.")
demo_cli = AppGroup("demo", help="The realistic demo data.")

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
                                 {Role(r) for r in roles}, name=name)
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
        users.set_password(db.session, email, _read_password(password))
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
        user = users.set_roles(db.session, email, {Role(r) for r in roles})
    except ConfappError as error:
        raise click.ClickException(f"{type(error).__name__}: {error}") from error
    db.session.commit()
    click.echo(f"{user.email} now has roles {', '.join(sorted(user.roles))}")


@demo_cli.command("load")
def load_demo() -> None:
    """Load the realistic demo (idempotent) and print the demo accounts."""
    created = demo.load_demo(db.session)
    db.session.commit()
    click.echo(f"Demo loaded: {len(created['events'])} new events, "
               f"{len(created['accounts'])} new accounts.")
    click.echo(f"Demo accounts (password: {demo.DEMO_PASSWORD}):")
    for email, name, roles in demo.DEMO_ACCOUNTS:
        click.echo(f"  {email:28} {', '.join(sorted(r.value for r in roles))}")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
