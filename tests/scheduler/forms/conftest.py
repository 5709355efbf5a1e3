# The pages' coach and type (Anna's first talk, tests/scheduler/views/conftest.py), for the form's tests.
from tests.scheduler.views.conftest import anna, kind  # noqa: F401
