"""The URLconf of the bench's gunicorn (bench/settings.py): the product's URLs plus a
hello-world view, the ceiling that `make bench` measures the slots API against. The
product's own URLconf never routes to it."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns


def hello(request):
    """The least a Django view can do, behind the product's whole middleware stack."""
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [path("bench/hello", hello), *product_urlpatterns]
