"""Clients of the national side: DVCQG integration (session API), payment platform, SSO."""
