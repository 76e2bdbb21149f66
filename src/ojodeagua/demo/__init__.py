"""A deterministic synthetic municipality modelled on Berriozábal, for trying Ojo de Agua."""
