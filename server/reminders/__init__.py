"""Reminders: weekly schedules in a person's time zone, and the dispatcher that sends them."""
