"""The families of ``tensorlite.nn.functional``, one module each (re-exported there)."""
