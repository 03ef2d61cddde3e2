"""Outbound sync to DVCQG: packet builders and the durable outbox."""
