"""Expert annotation: review references, blinded comparisons, agreement, exports (the
sections are drawn by :mod:`clinsum.ui.annotate_view` and :mod:`clinsum.ui.annotate_admin`)."""

from __future__ import annotations

import streamlit as st

from clinsum import ui
from clinsum.annotation import annotators as people
from clinsum.errors import InputError
from clinsum.ui import annotate_admin, annotate_view, pdsqi_view

ui.page("annotate.title", "annotate.intro")
K = "annotate."
SECTIONS = ("review", "pairwise", "agreement", "export", "settings")


# -- identity ---------------------------------------------------------------------------------
def current_annotator(s) -> str | None:
    """The signed-in annotator (session, else ``?annotator=`` when no password is needed)."""
    name = st.session_state.get(K + "who")
    if name:
        return name
    remembered = st.query_params.get("annotator")
    if remembered and not people.passwords_required():
        try:
            name = people.sign_in(s, remembered)
        except InputError:
            name = None
        if name:
            st.session_state[K + "who"] = name
            return name
    st.subheader(ui.t("annotate.who"))
    st.caption(ui.t("annotate.who_help"))
    with st.form(K + "login"):
        typed = st.text_input(ui.t("annotate.name"), value=remembered or "")
        password = None
        if people.passwords_required():
            password = st.text_input(ui.t("annotate.password"), type="password",
                                     help=ui.t("annotate.password_help"))
        if st.form_submit_button(ui.t("annotate.start")):
            name = people.sign_in(s, typed, password)
            st.session_state[K + "who"] = name
            st.query_params["annotator"] = name
            st.rerun()
    return None


def sign_out() -> None:
    st.session_state.pop(K + "who", None)
    st.query_params.pop("annotator", None)


with ui.guard():
    store = ui.store()
    who = current_annotator(store)
    if who:
        st.sidebar.markdown(ui.t("annotate.as", name=ui.esc(who)))
        st.sidebar.button(ui.t("annotate.switch"), on_click=sign_out, key=K + "switch")
        if st.session_state.get(K + "save_error"):
            st.warning(ui.t("annotate.save_failed", reason=ui.plain(st.session_state[K + "save_error"])))
        section = st.radio(" ", SECTIONS, horizontal=True, key=K + "section", label_visibility="collapsed",
                           format_func=lambda v: ui.t("annotate.tab." + v))
        {"review": lambda: annotate_view.review_section(store, who),
         "pairwise": lambda: annotate_view.pairwise_section(store, who),
         "agreement": lambda: (annotate_admin.agreement_section(store), pdsqi_view.agreement(store)),
         "export": lambda: annotate_admin.export_section(store),
         "settings": lambda: annotate_admin.settings_section(store)}[section]()
