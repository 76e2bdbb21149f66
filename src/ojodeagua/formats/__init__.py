"""Date and number formats that differ from Django's for the languages we serve."""
