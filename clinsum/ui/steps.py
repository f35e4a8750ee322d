"""The steps of a wait drawn in an ``st.status``: its label, and one line per step."""

from __future__ import annotations

from clinsum import ui


class StepLines:
    """A wait's steps (a backend's :meth:`clinsum.backends.base.Backend.step`, the evidence
    embedder's) in a status: the label, and one line per step (a step reported again, e.g. sentences embedded so far, rewrites its
    line), so the steps stay listed once the run is over."""

    def __init__(self, progress, prefix: str = "summarize.step.") -> None:
        self.progress, self.prefix, self.step, self.line = progress, prefix, None, None

    def __call__(self, step: str, info: dict) -> None:
        text = ui.t(self.prefix + step, **info)
        self.progress.update(label=text)
        if step != self.step:
            self.step, self.line = step, self.progress.empty()
        self.line.markdown(ui.plain(text))
