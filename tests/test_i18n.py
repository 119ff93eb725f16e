"""The Korean catalogue is complete, the committed .mo files match their .po files, and the
unprefixed URLs always speak Korean."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
ROOT = Path(settings.BASE_DIR)
# What makemessages reads: it writes into every locale folder it finds beside the code, so it
# runs on a copy of these.
SOURCES = ["manage.py", "coopcenter", "registry", "consult", "articles", "templates"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))


def _translations(entries) -> dict:
    """msgid (with context and plural) -> translation, for every translated entry."""
    table = {}
    for entry in entries:
        if not entry.msgid or entry.obsolete or "fuzzy" in entry.flags:
            continue
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
        if entry.msgid_plural:
            value = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
            if not any(value):
                continue
        else:
            value = entry.msgstr
            if not value:
                continue
        table[key] = value
    return table


def test_korean_catalogue_is_complete():
    po = _catalogue("ko")
    assert len(po) > 0
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert not po.metadata_is_fuzzy
    for entry in po:
        if entry.msgid_plural:
            assert all(entry.msgstr_plural.values()), entry.msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext's xgettext")
def test_every_string_of_the_code_is_in_the_korean_catalogue(tmp_path):
    """A string added to a template or to Python code without a translation fails here."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tmp_path / name)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coopcenter.settings.test"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ko", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=120,
    )
    extracted = tmp_path / LOCALE_DIR.relative_to(ROOT) / "ko" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(extracted))
    missing = [entry.msgid for entry in po.untranslated_entries() + po.fuzzy_entries()]
    assert missing == [], "untranslated; run `make translations` and translate them"
    assert _translations(po) == _translations(_catalogue("ko"))


def test_korean_translations_keep_their_placeholders():
    for entry in _catalogue("ko").translated_entries():
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            assert sorted(PLACEHOLDER.findall(translation)) == wanted, entry.msgid


@pytest.mark.parametrize("language", ["ko", "en"])
def test_compiled_catalogue_matches_its_source(language):
    po = _catalogue(language)
    mo = polib.mofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"))
    assert _translations(mo) == _translations(po)


@pytest.mark.django_db  # the home page shows the registry's figures
@pytest.mark.parametrize("accept_language", [None, "en", "en-US,en;q=0.9"])
def test_unprefixed_urls_are_korean_whatever_the_browser_asks(client, accept_language):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    response = client.get("/", **headers)
    assert response.status_code == 200
    assert response["Content-Language"] == "ko"
    body = response.content.decode()
    assert '<html lang="ko">' in body
    assert "서울시협동조합상담센터" in body


@pytest.mark.django_db
def test_english_lives_under_its_prefix(client):
    response = client.get("/en/", HTTP_ACCEPT_LANGUAGE="ko")
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()
