import importlib.util
import shutil

import pytest

from tests.factories import CoachFactory
from tests.helpers import BASE_DIR

spec = importlib.util.spec_from_file_location("catalogs", BASE_DIR / "scripts" / "catalogs.py")
catalogs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(catalogs)


def test_catalogs_are_complete(capsys):
    assert catalogs.check_all() == 0
    assert {p.parent.parent.name for p in catalogs.catalogs()} == {"de", "de_DU", "en"}


def test_a_gap_fails_the_check(tmp_path, monkeypatch, capsys):
    shutil.copytree(BASE_DIR / "locale", tmp_path / "locale")
    po = tmp_path / "locale" / "de" / "LC_MESSAGES" / "django.po"
    po.write_text(po.read_text() + '\nmsgid "A sentence nobody translated"\nmsgstr ""\n')
    monkeypatch.setattr(catalogs, "LOCALE_DIR", tmp_path / "locale")
    assert catalogs.check_all() == 1
    assert "A sentence nobody translated" in capsys.readouterr().out


@pytest.mark.django_db
def test_pages_speak_german_when_asked(client):
    coach = CoachFactory()
    response = client.get(f"/{coach.slug}/", headers={"accept-language": "de"})
    assert 'lang="de"' in response.text
    assert "Terminart" in response.text or "Termin" in response.text
    assert "appointment" not in response.text.lower()
