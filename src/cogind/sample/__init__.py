"""The sample dataset bundled with cogind (see README.md here); read by ``cogind compute --sample``."""
from importlib import resources
from pathlib import Path


def sample_path() -> Path:
    """The folder holding the sample's tables, ready for :func:`cogind.compute`."""
    return Path(str(resources.files("cogind.sample")))
