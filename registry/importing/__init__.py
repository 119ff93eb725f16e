"""The parts of the importer (registry.importer): reading a file, its columns, its rows."""
