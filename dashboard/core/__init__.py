"""Pure domain logic: no Streamlit, no SQL. Everything here is testable with plain pytest."""
