"""Streamlit glue: the only code besides the pages that imports streamlit."""
