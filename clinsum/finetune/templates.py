"""Chat templates: the base model's own (``apply_chat_template``), or a built-in fallback.

``render(messages, tokenizer, template)`` returns the prompt (everything up to where the
assistant answer starts) and the full text; the difference is what training on responses
only learns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clinsum.errors import ConfigError

Message = dict[str, str]
TEMPLATES = ("auto", "model", "chatml", "llama3", "mistral", "plain")


def _chatml(messages: list[Message], gen: bool) -> str:
    text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return text + ("<|im_start|>assistant\n" if gen else "")


def _llama3(messages: list[Message], gen: bool) -> str:
    text = "<|begin_of_text|>" + "".join(
        f"<|start_header_id|>{m['role']}<|end_header_id|>\n\n{m['content'].strip()}<|eot_id|>"
        for m in messages
    )
    return text + ("<|start_header_id|>assistant<|end_header_id|>\n\n" if gen else "")


def _mistral(messages: list[Message], gen: bool) -> str:
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    text = "<s>"
    for m in (m for m in messages if m["role"] != "system"):
        if m["role"] == "user":
            content = f"{system}\n\n{m['content']}" if system else m["content"]
            system = ""
            text += f"[INST] {content} [/INST]"
        else:
            text += f" {m['content']}</s>"
    return text


def _plain(messages: list[Message], gen: bool) -> str:
    labels = {"system": "### System", "user": "### Input", "assistant": "### Response"}
    text = "".join(f"{labels.get(m['role'], m['role'])}:\n{m['content']}\n\n" for m in messages)
    return text + ("### Response:\n" if gen else "")


BUILTIN: dict[str, Callable[[list[Message], bool], str]] = {
    "chatml": _chatml, "llama3": _llama3, "mistral": _mistral, "plain": _plain,
}


def resolve_template(tokenizer: Any | None, requested: str = "auto") -> str:
    """The template to use: the model's own when it has one, else a guess from its name."""
    if requested not in TEMPLATES:
        raise ConfigError(f"Unknown chat template {requested!r}.", hint=f"Use one of {', '.join(TEMPLATES)}.")
    if requested != "auto":
        if requested == "model" and not getattr(tokenizer, "chat_template", None):
            raise ConfigError("This model's tokenizer has no chat template.",
                              hint="Choose chatml, llama3, mistral or plain.")
        return requested
    if tokenizer is not None and getattr(tokenizer, "chat_template", None):
        return "model"
    name = str(getattr(tokenizer, "name_or_path", "")).lower()
    if "llama-3" in name or "llama3" in name:
        return "llama3"
    if "mistral" in name or "mixtral" in name:
        return "mistral"
    return "chatml"


def render_one(messages: list[Message], tokenizer: Any | None, template: str, gen: bool) -> str:
    if template == "model":
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen)
    return BUILTIN[template](messages, gen)


def render(messages: list[Message], tokenizer: Any | None, template: str) -> tuple[str, str]:
    """(prompt, full text) for a conversation whose last message is the assistant's answer."""
    full = render_one(messages, tokenizer, template, gen=False)
    prompt = render_one(messages[:-1], tokenizer, template, gen=True)
    if not full.startswith(prompt):
        # Templates that rewrite earlier turns: the answer starts at its last occurrence.
        answer = messages[-1]["content"].strip()
        at = full.rfind(answer)
        prompt = full[:at] if at > 0 else prompt
    return prompt, full
