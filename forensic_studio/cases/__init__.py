"""Cases: a SQLite store per case folder with evidence, runs, bookmarks and a hash-chained audit log."""
