"""The workbench pages: Streamlit scripts (``NN_name.py``) that ``Home.py`` routes to with
``st.navigation`` (see :mod:`clinsum.ui.navigation`); run as scripts, never imported. This
file makes them part of the installed package."""
