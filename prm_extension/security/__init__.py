"""Partner safety: what reaches a partner user beyond the app's own scoped DocTypes and APIs
(the model is written down in docs/security.md)."""
