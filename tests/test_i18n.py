"""Both interface languages: the Russian catalog covers every message in the code."""
import subprocess

from babel.messages.pofile import read_po

from tests.conftest import ROOT, VENV_BIN


def extracted_messages(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(VENV_BIN / "pybabel"), "-q", "extract", "-F", "babel.cfg", "--ignore-dirs", ".*",
         "-k", "_l", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(pot, "rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_russian_catalog_translates_every_message(tmp_path):
    with open(ROOT / "translations/ru/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle, locale="ru")
    translated = {
        message.id for message in catalog
        if message.id and not message.fuzzy
        and (all(message.string) if isinstance(message.string, tuple) else message.string)
    }
    missing = extracted_messages(tmp_path) - translated
    assert not missing, f"run `make translations` and translate: {sorted(map(str, missing))[:20]}"


def test_compiled_catalog_matches_its_source():
    from babel.messages.mofile import read_mo

    def key(value):  # plural entries come back as lists from one reader, tuples from the other
        return tuple(value) if isinstance(value, list | tuple) else value

    with open(ROOT / "translations/ru/LC_MESSAGES/messages.po", "rb") as handle:
        source = {key(m.id): key(m.string) for m in read_po(handle) if m.id and not m.fuzzy}
    with open(ROOT / "translations/ru/LC_MESSAGES/messages.mo", "rb") as handle:
        compiled = {key(m.id): key(m.string) for m in read_mo(handle) if m.id}
    assert compiled == source, "run `pybabel compile -d translations`"


def test_browser_language_picks_russian_and_user_choice_wins(client, auth, user):
    assert "Войти".encode() in client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).data
    assert b"Sign in" in client.get("/login", headers={"Accept-Language": "en-US"}).data
    auth.login()
    client.post("/profile", data={"lang-language": "ru"})
    page = client.get("/profile", headers={"Accept-Language": "en-US"}).data.decode()
    assert "Язык интерфейса" in page and "Сделки" in page
