"""Nagios Core notifications; the shared Nagios/Icinga mapping lives in `notification`."""
