"""Mattermost: a slash command and interactive buttons in, REST API v4 out (plain HTTP)."""
