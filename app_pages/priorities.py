"""priorities page (to be written)."""

import streamlit as st

st.title("Priorities")
