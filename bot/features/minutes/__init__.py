"""Minutes, adopted: the secretariat submits the draft, members propose corrections until a
deadline, the committee's adoption is recorded (each correction taken or not, with a reason),
and the adopted minutes are locked until a new adoption."""
