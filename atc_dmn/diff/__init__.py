"""atc-dmn diff: what an edit of the workbook changes, rule by rule, and for which patients."""
