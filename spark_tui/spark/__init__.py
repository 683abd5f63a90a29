"""The Spark vocabulary shared by every layer: wire models, identifiers, versions, errors."""
