"""Strings of preference tuning (the fine-tuning page's preference tab)."""
STRINGS = {
    "finetune.tab.preference": ("5. Preferencias (DPO)", "5. Preferences (DPO)"),
    "preference.intro": (
        "Entrene un adaptador con las comparaciones ciegas de los médicos (DPO, con TRL): cada par "
        "juzgado da un resumen elegido y uno rechazado del mismo registro. 1) Elija la regla y revise el "
        "conjunto, 2) lance el entrenamiento (desde el modelo base o desde un adaptador SFT), 3) siga las "
        "curvas en la pestaña 3, 4) compare antes y después en una rejilla y cree una nueva ronda ciega.",
        "Train an adapter on the physicians' blinded comparisons (DPO, with TRL): each judged pair gives "
        "a chosen and a rejected summary of the same record. 1) Choose the rule and review the set, "
        "2) launch training (from the base model or from an SFT adapter), 3) follow the curves in tab 3, "
        "4) compare before and after in a grid and create a new blinded round.",
    ),
    "preference.step.data": ("1. Regla y conjunto de preferencias", "1. Rule and preference set"),
    "preference.step.train": ("2. Configurar y lanzar", "2. Configure and launch"),
    "preference.step.compare": ("3. Antes / después", "3. Before / after"),
    "preference.criterion": ("Criterio que decide", "Deciding criterion"),
    "preference.min_margin": ("Margen mínimo (media de los juicios, 0–2)", "Minimum margin (mean judgement, 0–2)"),
    "preference.min_agreement": ("Acuerdo mínimo entre médicos", "Minimum agreement between physicians"),
    "preference.min_annotators": ("Médicos mínimos por par", "Minimum physicians per pair"),
    "preference.val_fraction": ("Registros reservados para evaluar", "Records held out for evaluation"),
    "preference.rule": (
        "Regla: se usa un par cuando la media de sus juicios «{criterion}» está al menos a {margin} de cero, "
        "al menos el {agreement}% de los médicos que prefirieron un lado eligieron el lado de la media y lo "
        "juzgaron al menos {annotators} médico(s). Un empate (media por debajo del margen) o un acuerdo bajo "
        "dejan el par fuera; todo lo que queda fuera se lista abajo. La división es por registro.",
        "Rule: a pair is used when the mean of its \"{criterion}\" judgements is at least {margin} away from "
        "zero, at least {agreement}% of the physicians who preferred a side chose the mean's side, and at "
        "least {annotators} physician(s) judged it. A tie (mean below the margin) or low agreement leaves "
        "the pair out; everything left out is listed below. The split is by record.",
    ),
    "preference.preview": ("Vista previa del conjunto", "Preview the set"),
    "preference.stats": (
        "{judgements} juicios sobre {items} pares: {train} pares de entrenamiento, {val} reservados "
        "({val_records} registros); fuera: {ties} empates, {low} con acuerdo bajo, {few} con pocos médicos, "
        "{missing} sin texto.",
        "{judgements} judgements on {items} pairs: {train} training pairs, {val} held out ({val_records} "
        "records); left out: {ties} ties, {low} with low agreement, {few} with too few physicians, "
        "{missing} without text.",
    ),
    "preference.per_physician": ("Por médico", "Per physician"),
    "preference.per_record": ("Por registro", "Per record"),
    "preference.excluded": ("Pares que quedan fuera y por qué", "Pairs left out and why"),
    "preference.reason.tie": ("empate", "tie"),
    "preference.reason.low_agreement": ("acuerdo bajo", "low agreement"),
    "preference.reason.few_annotators": ("pocos médicos", "too few physicians"),
    "preference.reason.missing_text": ("sin texto", "no text"),
    "preference.example": ("Par {id} (margen {margin}, acuerdo {agreement})",
                           "Pair {id} (margin {margin}, agreement {agreement})"),
    "preference.chosen": ("Elegido", "Chosen"),
    "preference.rejected": ("Rechazado", "Rejected"),
    "preference.dataset_name": ("Nombre del conjunto de preferencias", "Preference set name"),
    "preference.save": ("Guardar nueva versión", "Save new version"),
    "preference.saved": ("Guardado como {ref}.", "Saved as {ref}."),
    "preference.no_datasets": ("Todavía no hay conjuntos de preferencias: construya uno arriba.",
                               "No preference sets yet: build one above."),
    "preference.dataset": ("Conjunto de preferencias", "Preference set"),
    "preference.method": ("Método", "Method"),
    "preference.method.dpo": ("DPO (sigmoide)", "DPO (sigmoid)"),
    "preference.method.ipo": ("IPO (DPO con pérdida cuadrática)", "IPO (DPO with squared loss)"),
    "preference.methods_note": (
        "DPO e IPO usan el mismo entrenador de TRL. ORPO y KTO no se ofrecen: en TRL 1.x ORPO es "
        "experimental y KTO necesita datos no emparejados.",
        "DPO and IPO use the same TRL trainer. ORPO and KTO are not offered: in TRL 1.x ORPO is "
        "experimental and KTO needs unpaired data.",
    ),
    "preference.beta": ("beta (cuánto puede alejarse del modelo de partida)",
                        "beta (how far it may move from the starting model)"),
    "preference.start": ("Partir de", "Start from"),
    "preference.start.base": ("el modelo base", "the base model"),
    "preference.start.help": (
        "Un adaptador SFT de este modelo base: DPO sigue entrenándolo y lo usa como referencia.",
        "An SFT adapter of this base model: DPO goes on training it and uses it as the reference.",
    ),
    "preference.launch": ("Lanzar el ajuste por preferencias", "Launch preference tuning"),
    "preference.launched": ("Trabajo {job} lanzado. Siga sus curvas en la pestaña 3.",
                            "Job {job} launched. Follow its curves in tab 3."),
    "preference.no_adapters": ("Todavía no hay adaptadores ajustados por preferencias.",
                               "No preference-tuned adapters yet."),
    "preference.adapter": ("Adaptador ajustado por preferencias", "Preference-tuned adapter"),
    "preference.accuracy": (
        "Precisión de preferencia en {n} pares reservados (el modelo da más verosimilitud al resumen "
        "elegido): antes {before}, después {after}.",
        "Preference accuracy on {n} held-out pairs (the model finds the chosen summary likelier): "
        "before {before}, after {after}.",
    ),
    "preference.grid": ("Crear la rejilla antes / después", "Create the before / after grid"),
    "preference.grid_help": (
        "Resume los registros reservados con el punto de partida y con el nuevo adaptador (voraz, misma "
        "estrategia). Los resúmenes aparecen en el Explorador, donde se puntúan.",
        "Summarizes the held-out records with the starting point and with the new adapter (greedy, same "
        "strategy). The summaries appear in the Explorer, where they are scored.",
    ),
    "preference.grid_started": ("Rejilla {id} lanzada.", "Grid {id} started."),
    "preference.round": ("Crear una nueva ronda ciega con esta rejilla",
                         "Create a new blinded round from this grid"),
    "preference.round_done": (
        "{n} pares nuevos antes/después, en orden aleatorio y ciego, listos en la página de anotación.",
        "{n} new before/after pairs, in a random blinded order, ready on the Annotate page.",
    ),
    "preference.chart.margin": ("Margen de recompensa (entrenamiento y pares reservados)",
                                "Reward margin (training and held-out pairs)"),
    "preference.chart.accuracy": ("Precisión de preferencia en los pares reservados",
                                  "Preference accuracy on the held-out pairs"),
    "preference.axis.margin": ("Margen de recompensa", "Reward margin"),
    "preference.axis.accuracy": ("Precisión (0–1)", "Accuracy (0–1)"),
    "preference.series.likelihood": ("Verosimilitud", "Likelihood"),
    "preference.series.reward": ("Recompensa implícita", "Implicit reward"),
    "preference.result": (
        "Adaptador listo ({method}): precisión de preferencia {before} → {after} en {n} pares reservados, "
        "margen de recompensa {margin}; {trainable} parámetros entrenables ({pct}%), {adapter_mb} MB, "
        "{seconds} s, pico de RAM {ram} MB, VRAM {vram} MB.",
        "Adapter ready ({method}): preference accuracy {before} → {after} on {n} held-out pairs, reward "
        "margin {margin}; {trainable} trainable parameters ({pct}%), {adapter_mb} MB, {seconds} s, peak "
        "RAM {ram} MB, VRAM {vram} MB.",
    ),
    "col.judgements": ("Juicios", "Judgements"),
    "col.train": ("Entrenamiento", "Training"),
    "col.val": ("Reservados", "Held out"),
    "col.tie": ("Empates", "Ties"),
    "col.low_agreement": ("Acuerdo bajo", "Low agreement"),
    "col.few_annotators": ("Pocos médicos", "Too few physicians"),
    "col.missing_text": ("Sin texto", "No text"),
    "col.margin": ("Margen", "Margin"),
    "col.agreement": ("Acuerdo", "Agreement"),
    "col.annotators": ("Médicos", "Physicians"),
    "col.reason": ("Motivo", "Reason"),
}
