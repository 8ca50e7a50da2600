"""End-to-end tests: a real waitress server or the orchestrator process, with real clients (requests, kubectl, the kubernetes client)."""
