"""The studio page: Streamlit views over saved sessions. Only this package imports streamlit."""
