"""Bot Microsoft Teams du Comité en gouvernement ouvert."""
