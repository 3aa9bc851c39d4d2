"""The version of cogind, recorded in every provenance and checked on Dask workers."""
__version__ = "0.1.0"
