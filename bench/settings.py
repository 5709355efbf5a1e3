"""The product's settings with the bench's URLconf (bench/hello.py), for the bench's gunicorn only."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.hello"
