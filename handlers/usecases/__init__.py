"""Use cases: what the core does through its ports (storage, the outbox), called by flows,
the scheduler, the delivery worker and the transports. Pure rules stay in `handlers.rules`."""
