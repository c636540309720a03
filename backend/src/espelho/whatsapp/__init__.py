"""WhatsApp Cloud API: webhook, commands, phone linking, message log."""
