"""Reads for embedding the booking pages on the coach's website (scheduler/framing.py)."""

from ..models import Coach


def coach_embed_origins(*, coach_slug: str) -> list[str]:
    """The origins the coach of this address allows to frame their pages ([]: any; also for
    an address of no coach, whose page is a 404 with nothing to protect)."""
    coach = Coach.objects.filter(slug=coach_slug).only("embed_origins").first()
    return coach.embed_origin_list if coach else []
