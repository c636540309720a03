"""Background work of every kind (syncs, WhatsApp replies, alerts, the daily metrics and report): the job
registry and context (registry.py), where jobs run (runner.py: threads of the API, or Celery through
worker.py), when (scheduler.py) and the worker/beat commands (cli.py). Knows no domain: the domains
register their jobs here by name."""
