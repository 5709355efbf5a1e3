"""`make audit` (scripts/audit.py) reads pip-audit's JSON report, made here by pip-audit's
own formatter: a vulnerability fails the run, and a package that could not be looked up is
never reported as clean."""

import importlib.util
import json

from packaging.version import Version
from pip_audit._format import JsonFormat
from pip_audit._service import ResolvedDependency, SkippedDependency, VulnerabilityResult

from tests.helpers import BASE_DIR

spec = importlib.util.spec_from_file_location("audit", BASE_DIR / "scripts" / "audit.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

DJANGO = ResolvedDependency(name="Django", version=Version("4.2.0"))
HTTPX = ResolvedDependency(name="httpx", version=Version("0.28.1"))
UNREACHABLE = "Dependency not found on PyPI and could not be audited: celery (5.7.0)"
CELERY = SkippedDependency(name="celery", skip_reason=UNREACHABLE)
ADVISORY = VulnerabilityResult(
    id="PYSEC-2023-100",
    description="Potential denial of service",
    fix_versions=[Version("4.2.2")],
    aliases={"CVE-2023-31047"},
    published=None,
)


def report(results) -> dict:
    return json.loads(JsonFormat(output_desc=False, output_aliases=False).format(results, []))


def test_a_known_vulnerability_fails_the_run():
    code, lines = audit.verdict(report({DJANGO: [ADVISORY], HTTPX: []}), allow_unreachable=True)
    assert code == 1
    assert "VULNERABLE django 4.2.0: PYSEC-2023-100 (4.2.2)" in lines
    assert lines[-1] == "2 packages audited, 1 known vulnerabilities, 0 not audited"


def test_a_package_that_could_not_be_looked_up_is_not_called_clean():
    code, lines = audit.verdict(report({HTTPX: [], CELERY: []}), allow_unreachable=False)
    assert code == 2
    assert lines == [
        f"NOT AUDITED ({UNREACHABLE}): celery",
        "1 packages audited, 0 known vulnerabilities, 1 not audited",
    ]


def test_allowed_unreachable_packages_are_still_named():
    code, lines = audit.verdict(report({HTTPX: [], CELERY: []}), allow_unreachable=True)
    assert code == 0
    assert lines[0].startswith("NOT AUDITED") and lines[0].endswith(": celery")


def test_a_vulnerability_fails_even_when_others_could_not_be_looked_up():
    code, _ = audit.verdict(report({DJANGO: [ADVISORY], CELERY: []}), allow_unreachable=True)
    assert code == 1


def test_every_package_audited_and_none_vulnerable_passes():
    assert audit.verdict(report({DJANGO: [], HTTPX: []}), allow_unreachable=False) == (
        0,
        ["2 packages audited, 0 known vulnerabilities, 0 not audited"],
    )
