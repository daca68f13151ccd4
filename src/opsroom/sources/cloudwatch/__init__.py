"""AWS CloudWatch alarms delivered by Amazon SNS HTTP(S) subscriptions."""
