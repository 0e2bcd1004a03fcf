"""Pure domain model: aggregates, events, workflow rules, permissions and QA. No I/O."""
