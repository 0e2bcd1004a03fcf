"""Read models: SQLAlchemy tables derived from the event log, rebuildable from it."""
