"""Reads. Everything the slot engine needs comes from `slots.py` in one query whatever the
size of the range; each module serves one part of the product. Import a selector from the
module that defines it."""
