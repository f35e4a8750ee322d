"""Catalogue-labelled figures: the fine-tuning loss draws its validation split as a line."""

from __future__ import annotations

from clinsum.ui.charts import loss_figure


def test_validation_loss_logged_every_few_steps_is_a_line(monkeypatch) -> None:
    monkeypatch.setenv("CLINSUM_LANG", "es")
    train = [{"step": s, "loss": 2.0 - 0.1 * s} for s in range(1, 7)]
    evals = [{"step": 3, "eval_loss": 1.9, "perplexity": 6.7}, {"step": 6, "eval_loss": 1.7, "perplexity": 5.5}]
    fig = loss_figure(train, evals)
    by_name = {trace.name: trace for trace in fig.data}
    assert set(by_name) == {"Entrenamiento", "Validación"}
    validation = by_name["Validación"]
    assert list(validation.x) == [3, 6] and list(validation.y) == [1.9, 1.7]  # no gaps between points
    assert "lines" in validation.mode
    assert fig.layout.xaxis.title.text == "Paso" and fig.layout.yaxis.title.text == "Pérdida"
