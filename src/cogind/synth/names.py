"""The names of the generated tables: what the command line needs without pyarrow."""

TABLES = ("prestations", "ij", "contacts", "dossiers", "enquetes", "demarches", "controles",
          "mesures", "population")
# Tables whose code values come from the registered indicators (see served.py).
SERVED = ("enquetes", "demarches", "controles", "mesures")
