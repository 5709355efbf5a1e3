"""Operations: health of the database, the broker and the workers."""

from django.contrib.admin.views.decorators import staff_member_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.celery import app as celery_app

from ..models import WorkerCheck
from ..services.worker_checks import worker_check_request


@never_cache
@require_GET
def healthz(request):
    """Database and broker reachable? 200 when both are, 503 otherwise."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as exc:  # any failure means "not healthy"; say which
        status["database"] = f"error: {type(exc).__name__}"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        status["broker"] = "ok"
    except Exception as exc:
        status["broker"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


@never_cache
@require_POST
@staff_member_required
def worker_check_create(request):
    check = worker_check_request()
    return JsonResponse({"check": check.pk}, status=202)


@never_cache
@require_GET
@staff_member_required
def worker_check_detail(request, check_id):
    check = get_object_or_404(WorkerCheck, pk=check_id)
    return JsonResponse(
        {
            "requested_at": check.requested_at.isoformat(),
            "answered_at": check.answered_at.isoformat() if check.answered_at else None,
            "worker": check.worker,
        }
    )
