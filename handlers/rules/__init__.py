"""Planning rules: what follows from a change (reminders now; bookings and places later)."""
