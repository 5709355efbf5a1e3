"""Fail when a translation catalog has an untranslated or fuzzy entry.

Usage: python scripts/check_catalogs.py locale
"""

import re
import subprocess
import sys
from pathlib import Path


def gaps(po_file: Path) -> tuple[int, int]:
    """(untranslated, fuzzy) counts as msgfmt reports them."""
    result = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(po_file)], capture_output=True, text=True, check=True
    )
    report = result.stderr
    untranslated = re.search(r"(\d+) untranslated", report)
    fuzzy = re.search(r"(\d+) fuzzy", report)
    return int(untranslated.group(1)) if untranslated else 0, int(fuzzy.group(1)) if fuzzy else 0


def main(locale_dir: str) -> int:
    failed = False
    for po_file in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
        untranslated, fuzzy = gaps(po_file)
        if untranslated or fuzzy:
            failed = True
            print(f"{po_file}: {untranslated} untranslated, {fuzzy} fuzzy")
    if failed:
        print("Translate the entries above (and remove the fuzzy flags), then run `make messages` again.")
        return 1
    print("catalogs complete")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "locale"))
