"""Scoring domain: rules, member ledgers, evaluations, publications. Plain Python only."""
