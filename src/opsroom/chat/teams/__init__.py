"""Microsoft Teams: Bot Framework activities, the connector API, Graph, outgoing webhooks."""
