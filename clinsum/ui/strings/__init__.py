"""UI strings, one module per page or area: ``STRINGS = {key: (es, en)}``."""
