"""Pages by SMS and voice call through Twilio, and SMS replies that acknowledge."""
