"""Compile the translation catalogs, or check them for gaps.

    python scripts/catalogs.py compile   # locale/*/LC_MESSAGES/*.po -> .mo (no gettext needed)
    python scripts/catalogs.py check     # fail on an untranslated or fuzzy entry
    python scripts/catalogs.py english   # English is the source: each entry repeats its msgid

Pure Python (polib), so `make run` and `make test` need no gettext tools installed.
"""

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogs():
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def compile_all() -> int:
    for po_path in catalogs():
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
    return 0


def english() -> int:
    """Fill the English catalog from the source strings, replacing gettext's fuzzy guesses."""
    path = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
    catalog = polib.pofile(str(path), wrapwidth=0)
    for entry in catalog:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    catalog.save(str(path))
    return 0


# Catalogs that hold only variants of another one; gettext falls back to that one
# (de_DU: the informal "du" wording of what addresses the reader; the rest comes from de).
VARIANTS = {"de_DU"}


def check_all() -> int:
    failed = False
    for po_path in catalogs():
        catalog = polib.pofile(str(po_path))
        variant = po_path.parent.parent.name in VARIANTS
        untranslated = [] if variant else [entry.msgid for entry in catalog.untranslated_entries()]
        fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
        if untranslated or fuzzy:
            failed = True
            print(f"{po_path}: {len(untranslated)} untranslated, {len(fuzzy)} fuzzy")
            for msgid in (untranslated + fuzzy)[:20]:
                print(f"    {msgid[:100]!r}")
    if failed:
        print("Translate the entries above (and remove the fuzzy flags), then run `make messages` again.")
        return 1
    print("catalogs complete")
    return 0


if __name__ == "__main__":
    commands = {"compile": compile_all, "check": check_all, "english": english}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    sys.exit(commands[sys.argv[1]]())
