"""The desktop window (PySide6 + pyqtgraph): the only package that imports Qt.

``app.run`` builds the window; ``worker`` runs the analysis core on a QThread;
``viewers`` turns a result into tabs chosen by what the result holds (maps,
timelines, tables, fusion), never by which detector produced it.
"""
