"""Shared upstream machinery: HTTP with retries and call counting, rate limiting, parsing helpers."""
