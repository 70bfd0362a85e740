"""Checks that need more than one model: cron expressions, folders, handlers, AWS names."""
