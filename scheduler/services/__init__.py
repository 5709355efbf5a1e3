"""Writes. Each service is named <entity>_<action>, takes keyword arguments only, and
leaves its messages to the outbox (scheduler/outbox/), written in the same transaction.
Import a service from the module that defines it."""
