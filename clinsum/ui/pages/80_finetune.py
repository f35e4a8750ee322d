"""Fine-tuning: build a dataset, configure and launch a LoRA job, watch it, use or export the adapter
(the tabs are drawn by :mod:`clinsum.ui.finetune_view` and :mod:`clinsum.ui.finetune_runs_view`)."""

from __future__ import annotations

import streamlit as st

from clinsum import ui
from clinsum.finetune.models import cuda_available, unsloth_available
from clinsum.ui import finetune_runs_view, finetune_view, preference_view

K = "finetune."
ui.page("finetune.title", "finetune.intro")

with ui.guard():
    store = ui.store()
    if cuda_available():
        import torch

        st.info(ui.t("finetune.gpu", name=torch.cuda.get_device_name(0),
                     engine="unsloth" if unsloth_available() else "peft"))
    else:
        st.info(ui.t("finetune.no_gpu"))
    names = ("dataset", "config", "watch", "adapters", "preference")
    tabs = ui.tabs([ui.t(f"finetune.tab.{name}") for name in names], K + "tabs")
    draws = (finetune_view.dataset_tab, finetune_view.config_tab, finetune_runs_view.watch_tab,
             finetune_runs_view.adapters_tab, preference_view.preference_tab)
    for tab, draw in zip(tabs, draws, strict=True):
        with tab, ui.guard():
            draw(store)
