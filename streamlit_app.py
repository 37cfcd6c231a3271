"""ovstudio's page: `streamlit run streamlit_app.py` (or `make run`)."""

from ovstudio.ui.app import main

# Streamlit runs this script as __main__. The profiler's spawned worker processes import it
# again under another name, and must not build the page.
if __name__ == "__main__":
    main()
