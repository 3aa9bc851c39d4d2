"""Short names of the seed texts that indicator definitions cite (see shared/seeds/README.md)."""
from cogind import Source

S000 = "000_b936defe8891518f.txt"  # IGAS, évaluation COG 2014-2017 : qualité de service, réseau
S001 = "001_a0b09f3be5c54e30.txt"  # IGAS, évaluation COG 2014-2017 : gestion du risque
S002 = "002_732d28efd214f262.txt"  # COG 2023-2027, annexe 5
S004 = "004_fc95c51d13b2451d.txt"  # COG 2018-2022, tableaux d'indicateurs par fiche


def src(seed: str, first: int, last: int | None = None, quote: str = "") -> Source:
    return Source(seed, (first, last or first), quote)
