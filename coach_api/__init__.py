"""The coach's own API under /api/coach/…, reached with personal access tokens."""
