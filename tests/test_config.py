"""Configuration layers: defaults, instance/config.py, FLASK_* variables, DATABASE_URL."""

from confapp import create_app


def test_default_database_is_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("FLASK_SQLALCHEMY_DATABASE_URI", raising=False)
    app = create_app({"SECRET_KEY": "x"})
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///") and uri.endswith("instance/confapp.sqlite3")


def test_prefixed_environment_wins_over_defaults(monkeypatch):
    monkeypatch.setenv("FLASK_MAIL_PORT", "2525")
    monkeypatch.setenv("FLASK_MAIL_SERVER", "mail.example.org")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["MAIL_SERVER"] == "mail.example.org"


def test_database_url_shorthand_selects_psycopg(monkeypatch):
    monkeypatch.delenv("FLASK_SQLALCHEMY_DATABASE_URI", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1:5432/confapp")
    app = create_app({"SECRET_KEY": "x", "PUBLIC_BASE_URL": "https://moeder.example.dk"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1:5432/confapp"


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    import confapp

    path = tmp_path / "secret_key"
    first = confapp._instance_secret(path)
    assert len(first) == 64 and path.read_text() == first
    assert confapp._instance_secret(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_instance_config_file_is_read(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("COUNCIL_NAME = 'Testrådet'\nSECRET_KEY = 'k'\n")
    from flask import Flask

    # create_app reads instance/config.py from the app's instance folder.
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    app = create_app()
    assert app.config["COUNCIL_NAME"] == "Testrådet"
