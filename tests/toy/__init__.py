"""Toy events, a toy projection and broker helpers for the relay and consumer tests."""
