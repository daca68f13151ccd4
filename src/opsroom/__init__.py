"""opsroom: self-hosted ChatOps incident management."""

__version__ = "0.1.0"
