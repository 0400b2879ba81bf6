"""Read-only forum data: GET /api/v1/forums and /api/v1/forums/<slug>."""
