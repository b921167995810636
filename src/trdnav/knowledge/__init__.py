"""The clinical knowledge base: reviewed data files, their schema and loader."""
