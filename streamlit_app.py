"""ovstudio's page: `streamlit run streamlit_app.py` (or `make run`)."""

from ovstudio.ui.app import main

main()
