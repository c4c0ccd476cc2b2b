"""The platform's use cases (the member directory, the outbox and its pace, reachability) and
the building of every capability's services. Each write is one short transaction; no
transport."""
