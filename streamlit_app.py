"""ovstudio's page: `streamlit run streamlit_app.py`."""

import streamlit as st

st.set_page_config(page_title="ovstudio", layout="wide")
st.title("ovstudio")
st.write("Profile sessions are created with `python -m ovstudio profile`; the studio page is not built yet.")
