"""Label schema, guidelines, gold data, synthetic corpus, agreement and the doccano round-trip."""
