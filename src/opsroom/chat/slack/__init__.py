"""Slack: slash command, Events API, interactivity and the Web API through slack_sdk."""
