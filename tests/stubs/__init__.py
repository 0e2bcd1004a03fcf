"""Stub servers for the third-party HTTP APIs the translation engines speak.

Each runs http.server in a thread on 127.0.0.1 (port 0), answers as the documented
API does, records every request, and replays queued faults (429 with Retry-After,
500, 403, 456, invalid JSON, a slow answer) so tests can check error mapping.
"""
