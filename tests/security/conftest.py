import pytest

from tests.security.world import World, make_client, make_coach, verified_user


@pytest.fixture
def world(db) -> World:
    anna, ben = make_coach("anna"), make_coach("ben")
    return World(
        anna=anna,
        ben=ben,
        kim=make_client("kim", anna),
        lou=make_client("lou", ben),
        staff=verified_user("admin@example.org", is_staff=True, is_superuser=True),
    )
