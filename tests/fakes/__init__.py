"""Test doubles that are real components: loopback servers and tiny models built here."""
