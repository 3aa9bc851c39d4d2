"""The names of the generated tables: what the command line needs without pyarrow."""

TABLES = ("prestations", "ij", "contacts", "dossiers", "enquetes", "demarches", "controles",
          "mesures", "population")
# Written only when asked (--tables ...,tendanciel): not in the defaults nor the sample.
OPTIONAL_TABLES = ("tendanciel", "beneficiaires")
ALL_TABLES = TABLES + OPTIONAL_TABLES
# Tables whose code values come from the registered indicators (see served.py).
SERVED = ("enquetes", "demarches", "controles", "mesures")
