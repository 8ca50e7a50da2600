"""Tests of api/native/: the native REST API, its validation, hostile input and OpenAPI document."""
