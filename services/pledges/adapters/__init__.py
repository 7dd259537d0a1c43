"""Adapters of pledges to the world outside its domain: archives over gRPC, the contact book."""
