"""clinsum: summarize clinical records with small language models, and judge the summaries."""

__version__ = "0.1.0"
