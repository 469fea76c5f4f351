"""The evidence: the dataset schema and loading, uploads, provenance checks, completeness, and the
paper's own reported tables."""
