"""Escalation policies and escalation runs: who is paged, in which order, until someone acks."""
