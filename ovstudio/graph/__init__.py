"""Display graphs of a session: constants folded, positions laid out, windows around a layer."""
