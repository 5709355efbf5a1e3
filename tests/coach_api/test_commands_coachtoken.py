import pytest
from django.core.management import CommandError, call_command

from coach_api.selectors import coach_token_by_secret


def test_coachtoken_prints_a_new_token_of_the_coach(anna, capsys):
    call_command("coachtoken", "anna")
    secret = capsys.readouterr().out.strip()
    token = coach_token_by_secret(secret)
    assert token.coach == anna
    assert not token.read_only


def test_coachtoken_read_only(anna, capsys):
    call_command("coachtoken", "anna", "--read-only")
    assert coach_token_by_secret(capsys.readouterr().out.strip()).read_only


def test_coachtoken_of_an_unknown_coach_fails(db):
    with pytest.raises(CommandError):
        call_command("coachtoken", "nobody")
