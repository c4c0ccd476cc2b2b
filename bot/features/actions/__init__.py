"""Action items: what a meeting (or the secretariat) asked someone to do, by when, followed to
done — the owner reminded and answering from the card, the secretariat told what is late, the
channel told before each meeting what was done and what is late."""
