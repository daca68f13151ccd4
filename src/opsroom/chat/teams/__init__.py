"""Microsoft Teams: Bot Framework activities, the connector REST API, Graph channels, and the outgoing webhook."""
