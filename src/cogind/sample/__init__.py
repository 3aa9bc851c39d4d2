"""The sample dataset bundled with cogind (see README.md here); read by ``cogind compute --sample``."""
