import pytest
from django.urls import reverse

from scheduler.models import WorkerCheck
from tests.factories import AppointmentTypeFactory, CoachFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_redirects_to_the_only_coach(client):
    coach = CoachFactory(slug="anna")
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"/{coach.slug}/"


@pytest.mark.parametrize("number_of_coaches", [0, 2])
def test_home_explains_the_product_and_lists_no_coach(client, number_of_coaches):
    coaches = CoachFactory.create_batch(number_of_coaches)
    response = client.get("/", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "No calls without an appointment." in response.text
    for coach in coaches:
        assert coach.slug not in response.text
        assert coach.display_name not in response.text


def test_coach_page_shows_policy_and_active_types_only(client):
    coach = CoachFactory(policy="Keine Anrufe ohne Termin.")
    AppointmentTypeFactory(coach=coach, name="Kennenlernen")
    AppointmentTypeFactory(coach=coach, name="Geheim", active=False)
    response = client.get(f"/{coach.slug}/")
    assert response.status_code == 200
    assert "Keine Anrufe ohne Termin." in response.text
    assert "Kennenlernen" in response.text
    assert "Geheim" not in response.text


def test_unknown_coach_is_404(client):
    assert client.get("/nobody/").status_code == 404


def test_inactive_coach_is_404(client):
    coach = CoachFactory(user__is_active=False)
    assert client.get(f"/{coach.slug}/").status_code == 404


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_worker_check_needs_staff(client):
    response = client.post(reverse("worker_check_create"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    client.force_login(UserFactory(is_staff=False))
    assert client.post(reverse("worker_check_create")).status_code == 302
    assert WorkerCheck.objects.count() == 0


def test_worker_check_rejects_get(admin_client):
    assert admin_client.get(reverse("worker_check_create")).status_code == 405


def test_pages_are_csrf_protected(client):
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(UserFactory(is_staff=True))
    assert client.post(reverse("worker_check_create")).status_code == 403
