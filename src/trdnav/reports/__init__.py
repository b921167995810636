"""Views of an assessment or a comparison: terminal reports and generated documents."""
