"""Running the site: backups, scheduled job health, configuration checks, logs (commands, no pages)."""
