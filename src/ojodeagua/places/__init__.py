"""Places: states, municipalities and localities keyed by INEGI's geostatistical keys."""
