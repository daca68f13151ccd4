"""Local stand-ins for SaaS APIs, checked against their published contracts."""
