"""Open311 GeoReport v2: the community's tickets as public service requests (read-only)."""
