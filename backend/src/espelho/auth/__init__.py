"""Users, passwords, JWT and roles."""
