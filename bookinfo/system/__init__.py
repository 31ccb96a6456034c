"""Operating-system helpers the rest of the runner builds on: files shared between
processes, process groups, free ports. Nothing here knows about Bookinfo."""
