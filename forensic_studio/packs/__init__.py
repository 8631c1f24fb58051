"""Model packs: third-party detectors an analyst installs into a local store.

``store`` keeps installed packs (one folder and a ``pack.json`` each, every file
pinned by SHA-256); ``importers`` turn a downloaded folder or archive into packs;
``catalog`` names the packs we know and where they come from; ``kinds`` maps a
pack kind to the code that loads it.
"""
