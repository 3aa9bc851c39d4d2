"""The input tables cogind knows, from the Table Schema files in ``schemas/``."""
from importlib import resources

from cogind import hookimpl

TABLES = ("prestations", "ij", "contacts", "dossiers", "enquetes", "demarches", "controles",
          "mesures", "tendanciel", "cpg", "population", "beneficiaires")


@hookimpl
def cogind_register_tables(registry):
    folder = resources.files("cogind.schemas")
    for name in TABLES:
        with resources.as_file(folder / f"{name}.json") as path:
            registry.add_table_file(path)
