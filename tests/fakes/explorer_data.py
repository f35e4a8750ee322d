"""A hand-built workspace for the explorer and comparison tests, with values checked by hand.

Generations (rouge1_f, bleu, seconds):
    g1 r1 A s1 t0.0 greedy ollama  0.2 0.1 1.0   (an older rouge1_f version 0.9 is ignored)
    g2 r2 A s2 t0.7 sample ollama  0.4 0.3 3.0
    g3 r1 B s1 t0.0 greedy openai  0.6 0.5 2.0
    g4 r2 B s2 t0.7 sample openai  0.8 0.9 4.0
    g5 r3 C s1 t0.0 greedy ollama  0.5 0.2 5.0
    g6 r4 A s1 t0.0 greedy ollama  0.3 0.1 1.0   (record source "other", created a day later)
    g7 r3 C s2 t0.7 sample ollama  1.0 1.0 9.0   (failed: error set, left out everywhere)
"""

from __future__ import annotations

from datetime import datetime

from clinsum.store import Store, to_json

RECORDS = {
    "r1": ("demo", "Paciente de 67 años con dolor torácico. Se pauta AAS 100 mg cada 24 horas."),
    "r2": ("demo", "Mujer de 45 años con fiebre y tos. Radiografía: neumonía en lóbulo inferior derecho."),
    "r3": ("demo", "Varón con <script>alert('x')</script> cefalea intensa; TAC craneal normal."),
    "r4": ("other", "Niño de 8 años con fractura de radio izquierdo. Se inmoviliza con férula."),
}
REFERENCES = {
    "r1": "Paciente de 67 años con dolor torácico; tratamiento con AAS 100 mg al día.",
    "r2": "Mujer de 45 años con neumonía en lóbulo inferior derecho.",
    "r3": "Varón con cefalea intensa y TAC craneal normal.",
    "r4": "Fractura de radio izquierdo en niño de 8 años, inmovilizada con férula.",
}
GENERATIONS = [
    # id, record, model, strategy, temperature, decoding, backend, seconds, rouge, bleu, error
    ("g1", "r1", "A", "s1", 0.0, "greedy", "ollama", 1.0, 0.2, 0.1, None),
    ("g2", "r2", "A", "s2", 0.7, "sample", "ollama", 3.0, 0.4, 0.3, None),
    ("g3", "r1", "B", "s1", 0.0, "greedy", "openai", 2.0, 0.6, 0.5, None),
    ("g4", "r2", "B", "s2", 0.7, "sample", "openai", 4.0, 0.8, 0.9, None),
    ("g5", "r3", "C", "s1", 0.0, "greedy", "ollama", 5.0, 0.5, 0.2, None),
    ("g6", "r4", "A", "s1", 0.0, "greedy", "ollama", 1.0, 0.3, 0.1, None),
    ("g7", "r3", "C", "s2", 0.7, "sample", "ollama", 9.0, 1.0, 1.0, "model crashed"),
]
TEXTS = {
    "g1": "Paciente de 67 años con dolor torácico. Recibe AAS 500 mg.",
    "g2": "Mujer de 45 años con neumonía en lóbulo inferior izquierdo.",
    "g3": "Paciente de 67 años con dolor torácico; tratamiento con AAS 100 mg al día.",
    "g4": "Mujer con fiebre, tos y neumonía.",
    "g5": "Varón con <b>cefalea</b> intensa; TAC craneal normal.",
    "g6": "Niño de 8 años con fractura de radio izquierdo.",
    "g7": "",
}
DAY1 = datetime(2026, 1, 10, 12, 0, 0)
DAY2 = datetime(2026, 1, 11, 12, 0, 0)


def build(store: Store, with_ratings: bool = True) -> Store:
    """Fill ``store`` with the rows above."""
    with store.transaction() as con:
        for rid, (source, text) in RECORDS.items():
            con.execute(
                "INSERT INTO records (id, source, language, title, text, content_hash, n_chars)"
                " VALUES (?, ?, 'es', ?, ?, ?, ?)", [rid, source, f"Informe {rid}", text, f"h-{rid}", len(text)],
            )
            con.execute(
                "INSERT INTO reference_summaries (id, record_id, version, text, status)"
                " VALUES (?, ?, 1, ?, 'validated')", [f"ref-{rid}-v1", rid, "versión antigua"],
            )
            con.execute(
                "INSERT INTO reference_summaries (id, record_id, version, text, status)"
                " VALUES (?, ?, 2, ?, 'validated')", [f"ref-{rid}", rid, REFERENCES[rid]],
            )
        for gid, rid, model, strategy, temp, decoding, backend, secs, rouge, bleu, error in GENERATIONS:
            created = DAY2 if gid == "g6" else DAY1
            con.execute(
                "INSERT INTO generations (id, record_id, backend, model, strategy, temperature,"
                " decoding, params, text, total_seconds, error, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [gid, rid, backend, model, strategy, temp, decoding, to_json({"temperature": temp}),
                 TEXTS[gid], secs, error, created],
            )
            for name, metric, value in (("rouge1_f", "rouge", rouge), ("bleu", "bleu", bleu)):
                con.execute(
                    "INSERT INTO metrics (target_kind, target_id, reference_id, metric, name,"
                    " metric_version, value, computed_at) VALUES ('generation', ?, ?, ?, ?, '2', ?, ?)",
                    [gid, f"ref-{rid}", metric, name, value, datetime(2026, 2, 1)],
                )
        # an older version of g1's rouge1_f: must never count
        con.execute(
            "INSERT INTO metrics (target_kind, target_id, reference_id, metric, name, metric_version,"
            " value, computed_at) VALUES ('generation', 'g1', 'ref-r1-v1', 'rouge', 'rouge1_f', '1', 0.9, ?)",
            [datetime(2026, 1, 15)],
        )
        # faithfulness flags stored by the scorer for g1 (the "500 mg" dose is not in the source)
        start = TEXTS["g1"].index("500 mg")
        con.execute(
            "INSERT INTO metrics (target_kind, target_id, reference_id, metric, name, metric_version,"
            " value, details, computed_at) VALUES ('generation', 'g1', 'ref-r1', 'faithfulness',"
            " 'faithfulness_unsupported', '1', 1, ?, ?)",
            [to_json({"spans": [{"start": start, "end": start + 6, "kind": "dose", "text": "500 mg"}]}),
             datetime(2026, 2, 1)],
        )
        if with_ratings:
            # references rated by two physicians; accuracy rises with rouge1_f, falls with bleu
            for i, rid in enumerate(RECORDS):
                ref = f"ref-{rid}"
                for name, metric, value in (("rouge1_f", "rouge", 0.1 * (i + 1)), ("bleu", "bleu", 1 - 0.1 * i)):
                    con.execute(
                        "INSERT INTO metrics (target_kind, target_id, reference_id, metric, name,"
                        " metric_version, value) VALUES ('reference', ?, '', ?, ?, '2', ?)",
                        [ref, metric, name, value],
                    )
                for annotator, bump in (("dra-lopez", 0), ("dr-ruiz", 1)):
                    con.execute(
                        "INSERT INTO annotations (id, item_kind, item_id, record_id, annotator, scores)"
                        " VALUES (?, 'reference', ?, ?, ?, ?)",
                        [f"ann-{rid}-{annotator}", ref, rid, annotator,
                         to_json({"accuracy": i + 1 + bump, "clarity": 3, "verdict_note": "ok"})],
                    )
    return store
