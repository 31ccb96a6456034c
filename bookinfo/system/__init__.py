"""Operating-system helpers the rest of the runner builds on: files, processes, ports."""
