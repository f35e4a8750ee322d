"""A learnable synthetic preference set: records, two candidate summaries each, blinded judgements.

Each record says either "tos y fiebre" or "disnea y edemas"; its two generations are the
pneumonia and the heart-failure summary. Two physicians prefer the summary matching the
record (judged as shown: the stored left/right order is respected), so a model can learn the
preference from one word of the input. ``ties`` and ``split`` records are judged as a tie and
with opposite signs, to exercise the rule.
"""

from __future__ import annotations

from clinsum.annotation.pairwise import create_pairs, get_pair, submit_pairwise
from clinsum.annotation.rubric import PAIR_CRITERION_NAMES
from clinsum.store import Store

ANSWERS = ["Diagnóstico: neumonía. Tratamiento: amoxicilina.",
           "Diagnóstico: insuficiencia cardiaca. Tratamiento: furosemida."]
PHYSICIANS = ("ana", "luis")


def record_text(i: int) -> str:
    return f"Paciente {i} con {'tos y fiebre' if i % 2 == 0 else 'disnea y edemas'}."


def build_preference_workspace(store: Store, n: int = 24, ties: int = 0, split: int = 0) -> list[str]:
    """Fill ``store`` with ``n`` judged records (+ ``ties`` tied and ``split`` disagreeing ones)."""
    total = n + ties + split
    with store.transaction() as con:
        for i in range(total):
            con.execute("INSERT INTO records (id, source, language, title, text, content_hash)"
                        " VALUES (?, 'test', 'es', ?, ?, ?)", [f"r{i:03d}", f"Informe {i}", record_text(i), f"h{i}"])
            for j, answer in enumerate(ANSWERS):
                con.execute("INSERT INTO generations (id, record_id, backend, strategy, text, created_at)"
                            " VALUES (?, ?, 'x', 'template', ?, TIMESTAMP '2026-01-01' + INTERVAL (?) SECOND)",
                            [f"g{i:03d}{j}", f"r{i:03d}", answer, j])
    ids = [f"r{i:03d}" for i in range(total)]
    create_pairs(store, "generations", record_ids=ids, seed=5)
    for item in store.fetch_dicts("SELECT id, record_id FROM pairwise_items ORDER BY record_id"):
        i = int(item["record_id"][1:])
        pair = get_pair(store, item["id"])
        good = f"g{i:03d}{i % 2}"
        right_is_good = pair["right"]["id"] == good
        for k, name in enumerate(PHYSICIANS):
            if i >= n + ties:        # split: the physicians disagree (+2 / -1 as shown)
                value = 2 if k == 0 else -1
            elif i >= n:             # tie: neither is better
                value = 0
            else:
                value = 2 if right_is_good else -2
            scores = {c: value for c in PAIR_CRITERION_NAMES}
            submit_pairwise(store, name, item["id"], scores,
                            shown=[pair["left"]["id"], pair["right"]["id"]])
    return ids
