"""The committee's rulebook: pure rules, no I/O, no transport, no storage library."""
