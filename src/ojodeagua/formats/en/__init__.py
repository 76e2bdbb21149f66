"""English as read in Mexico: day before month, as on every paper the committees keep."""
