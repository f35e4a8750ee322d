"""Prompt files of the LLM judge (``judge_<lang>.txt``), one per language."""
