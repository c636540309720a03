"""Database models; filled by the domain."""
