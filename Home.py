"""clinsum workbench: the router. Run with `streamlit run Home.py` (or `make demo`)."""

import streamlit as st

from clinsum import ui

st.set_page_config(page_title="clinsum", page_icon="🩺", layout="wide")
ui.run_app()
