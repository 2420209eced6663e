"""Open Badges 3.0 (W3C Verifiable Credentials) verification internals."""
