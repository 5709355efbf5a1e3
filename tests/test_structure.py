"""The code's shape that issue 15 settled, kept: no import circle between the app's
modules (function-level imports included), no module over 400 lines, no re-export
facades, and one module that hands work to Celery."""

import ast

from tests.helpers import BASE_DIR

PACKAGES = ("scheduler", "accounts", "config", "coach_api")
MAX_LINES = 400


def app_modules() -> dict[str, ast.Module]:
    modules = {}
    for package in PACKAGES:
        for path in (BASE_DIR / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(BASE_DIR).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = ast.parse(path.read_text(), filename=str(path))
    return modules


def imported(name: str, tree: ast.Module, modules: dict) -> set[str]:
    """The app modules `name` imports anywhere in its code (a package's own parents aside)."""
    is_package = (BASE_DIR / name.replace(".", "/") / "__init__.py").exists()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join(package + ([node.module] if node.module else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name and not name.startswith(target + "."):
                found.add(target)
    return found


def test_no_import_circle_between_the_apps_modules():
    modules = app_modules()
    graph = {name: imported(name, tree, modules) for name, tree in modules.items()}
    circles = []
    for start in graph:
        # A path from one of start's imports back to start is a circle.
        seen, todo = set(), list(graph[start])
        while todo:
            current = todo.pop()
            if current == start:
                circles.append(start)
                break
            if current not in seen:
                seen.add(current)
                todo.extend(graph[current])
    assert circles == []


def test_no_module_of_the_app_is_over_400_lines():
    too_long = {}
    for package in PACKAGES:
        for path in (BASE_DIR / package).rglob("*.py"):
            lines = len(path.read_text().splitlines())
            if "migrations" not in path.parts and lines > MAX_LINES:
                too_long[str(path.relative_to(BASE_DIR))] = lines
    assert too_long == {}


def test_packages_re_export_nothing():
    """Import a thing from the module that defines it (scheduler.models names its models
    for Django, and nothing else)."""
    for package in ("scheduler/services", "scheduler/selectors", "scheduler/forms", "scheduler/outbox"):
        tree = ast.parse((BASE_DIR / package / "__init__.py").read_text())
        assert all(isinstance(node, ast.Expr) for node in tree.body), package  # a docstring only
    models = ast.parse((BASE_DIR / "scheduler/models/__init__.py").read_text())
    exported = {
        alias.asname or alias.name for node in models.body if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    assert exported <= {
        "AppointmentType", "BlockedPeriod", "Booking", "BookingLink", "CalendarEntry", "Client", "ClientDataRequest",
        "Coach",
        "DateOverride", "ExternalBusy", "ExternalCalendar", "InboundMessage", "Notification", "ReplyWindow",
        "WeeklyHours", "WorkerCheck",
    }  # fmt: skip


def test_only_the_outbox_queue_hands_work_to_celery():
    handing = {"delay", "apply_async", "delay_on_commit", "send_task"}
    callers = {
        name
        for name, tree in app_modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in handing
    }
    assert callers == {"scheduler.outbox.queue"}
