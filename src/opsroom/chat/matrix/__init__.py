"""Matrix: an application service (pushed transactions in), the client-server API out
through matrix-nio."""
