"""Developer tooling that is not part of the portal (not packaged, not in the image)."""
