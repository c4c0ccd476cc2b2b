"""The action plan's commitments followed through implementation: each commitment's
milestones and their progress, its completion level in the OGP's terms, the committee's
comments and the secretariat's reasoned answers, a weekly digest to members, and the public
report."""
