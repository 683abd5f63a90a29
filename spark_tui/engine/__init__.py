"""The embedded export system: workspace store, resolver, packager, job manager, importer, demo data."""
