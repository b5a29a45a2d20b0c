"""Words and names: folding, Polish inflection, and the index that finds names in a command.

Owns normalisation (case, diacritics, numbers), the generated Polish forms of a
name, the Polish phrase patterns, and the name index. Imports only the engine's
shared base modules (``types``, ``errors``, ``clock``); ``home.py`` builds on it,
so everything that reads a home sits above this package.
"""
