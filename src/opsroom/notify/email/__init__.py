"""Pages by email over SMTP, with a signed acknowledge link."""
