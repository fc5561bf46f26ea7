"""The Danish catalogue is complete and compiled."""

from babel.messages.pofile import read_po


def test_danish_catalogue_is_complete(repo_root):
    path = repo_root / "confapp/translations/da/LC_MESSAGES/messages.po"
    catalog = read_po(path.open("rb"), locale="da")
    untranslated = [m.id for m in catalog if m.id and (not m.string or "fuzzy" in m.flags
                    or (isinstance(m.string, tuple) and not all(m.string)))]
    assert untranslated == []


def test_every_template_string_is_in_the_catalogue(repo_root, tmp_path):
    from babel.messages.frontend import CommandLineInterface

    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(repo_root / "babel.cfg"),
                                "-k", "_l", "-o", str(pot), str(repo_root)])
    extracted = {m.id for m in read_po(pot.open("rb")) if m.id}
    path = repo_root / "confapp/translations/da/LC_MESSAGES/messages.po"
    translated = {m.id for m in read_po(path.open("rb"), locale="da") if m.id}
    assert extracted - translated == set()
