"""Tamper evidence for the event log: hash chains, signed checkpoints, verification,
export and import, and redaction (DESIGN §4)."""
