"""Tests of api/client/: the CLI, load runs and benchmark runner, without a server where they can."""
