"""The pages of this feature; each part lives in its own module, imported here."""
