"""The roster as iCal: /ical gives a staff member their secret link; the feed behind it."""
