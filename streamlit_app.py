"""ovstudio's page: `streamlit run streamlit_app.py` (or `make run`)."""

# Streamlit runs this script as __main__. The profiler's spawned worker processes run it again as
# __mp_main__; they must not build the page, and importing the page's modules would only slow their
# start and log Streamlit's "missing ScriptRunContext" warning, so the import stays under the guard.
if __name__ == "__main__":
    from ovstudio.ui.app import main

    main()
