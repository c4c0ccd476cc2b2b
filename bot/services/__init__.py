"""Use cases: the domain's rules applied to stored data, one transaction each. No transport."""
