"""Prompts for reference summaries, and the messages sent for one record.

A prompt has a name (stored with each reference and used in batch ``custom_id``s), a system
text and a user template with ``{record}``. They tell the model to keep placeholders such as
``[NOMBRE_1]`` untouched, so answers can be re-identified locally.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from clinsum.errors import InputError


@dataclass(frozen=True)
class RefPrompt:
    name: str
    system: str
    user: str  # contains {record}

    def messages(self, record_text: str) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system},
                {"role": "user", "content": self.user.replace("{record}", record_text)}]


BUILTIN: dict[str, RefPrompt] = {
    "reference-es": RefPrompt(
        "reference-es",
        "Eres un médico especialista que redacta resúmenes clínicos precisos en español. "
        "No inventes datos. Conserva tal cual los marcadores entre corchetes como [NOMBRE_1] o [FECHA_2].",
        "Resume el siguiente informe clínico en un párrafo de 5 a 8 frases: motivo de consulta, "
        "antecedentes relevantes, hallazgos principales, diagnóstico, tratamiento y evolución.\n\n"
        "Informe:\n{record}",
    ),
    "reference-en": RefPrompt(
        "reference-en",
        "You are a specialist physician who writes accurate clinical summaries in English. Do not "
        "invent facts. Keep bracketed placeholders such as [NOMBRE_1] or [FECHA_2] exactly as they are.",
        "Summarize the following clinical record in one paragraph of 5 to 8 sentences: reason for "
        "visit, relevant history, main findings, diagnosis, treatment and course.\n\nRecord:\n{record}",
    ),
}


def default_prompt(language: str) -> RefPrompt:
    return BUILTIN["reference-en" if language == "en" else "reference-es"]


def custom_prompt(user: str, system: str = "") -> RefPrompt:
    """A prompt written by the user; ``{record}`` marks where the record goes (else appended)."""
    if not user.strip():
        raise InputError("The prompt is empty.", hint="Write the instruction; {record} marks where the record goes.")
    if "{record}" not in user:
        user = user.rstrip() + "\n\n{record}"
    digest = hashlib.sha1(f"{system}\n{user}".encode()).hexdigest()[:8]
    return RefPrompt(f"custom-{digest}", system.strip() or BUILTIN["reference-es"].system, user)


def resolve_prompt(name_or_text: str | None, language: str = "es") -> RefPrompt:
    """A built-in by name, the language default for None/``default``, else a custom prompt."""
    if not name_or_text or name_or_text == "default":
        return default_prompt(language)
    if name_or_text in BUILTIN:
        return BUILTIN[name_or_text]
    return custom_prompt(name_or_text)
