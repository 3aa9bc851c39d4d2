"""cogind's built-in plugins: input tables, indicators and the three COGs.

Each module is registered under the ``cogind`` entry-point group of cogind's own
``pyproject.toml``, exactly as a third-party package would register its plugins.
"""
