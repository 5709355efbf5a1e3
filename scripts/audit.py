"""`make audit`: pip-audit over the pinned requirements (runtime and development).

    python scripts/audit.py                      # exit 1 on a known vulnerability, 2 if not audited
    python scripts/audit.py --allow-unreachable  # the same, but a package that could not be
                                                 # looked up is reported and does not fail

pip-audit alone counts a package it could not look up (its vulnerability service not
reachable) as a warning and still says "No known vulnerabilities found": this script names
every such package and never calls the run clean. CI passes --allow-unreachable because
its machines reach only the package registries, not a vulnerability service.
"""

import json
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")


def verdict(report: dict, *, allow_unreachable: bool) -> tuple[int, list[str]]:
    """The exit code and the lines to print for pip-audit's JSON report."""
    lines = []
    unaudited = [dependency for dependency in report["dependencies"] if dependency.get("skip_reason")]
    vulnerable = 0
    for dependency in report["dependencies"]:
        for vulnerability in dependency.get("vulns", []):
            vulnerable += 1
            fixed = ", ".join(vulnerability["fix_versions"]) or "no fixed version"
            lines.append(f"VULNERABLE {dependency['name']} {dependency['version']}: {vulnerability['id']} ({fixed})")
    if unaudited:
        names = ", ".join(dependency["name"] for dependency in unaudited)
        lines.append(f"NOT AUDITED ({unaudited[0]['skip_reason']}): {names}")
    audited = len(report["dependencies"]) - len(unaudited)
    lines.append(f"{audited} packages audited, {vulnerable} known vulnerabilities, {len(unaudited)} not audited")
    if vulnerable:
        return 1, lines
    if unaudited and not allow_unreachable:
        return 2, lines
    return 0, lines


def main(argv: list[str]) -> int:
    requirements = [arg for name in REQUIREMENTS for arg in ("-r", str(BASE_DIR / name))]
    result = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip", "--progress-spinner", "off"]
        + ["--format", "json", *requirements],
        capture_output=True,
        text=True,
    )
    if not result.stdout.strip():  # pip-audit itself failed
        print(result.stderr, file=sys.stderr)
        return 2
    code, lines = verdict(json.loads(result.stdout), allow_unreachable="--allow-unreachable" in argv)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
