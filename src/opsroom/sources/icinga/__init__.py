"""Icinga 2 notifications, mapped with the Nagios source's shared `notification` module."""
