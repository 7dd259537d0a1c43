"""Scoring's read side: the ledgers and roster tables as the gRPC API reads them, and the
queries over them (an evaluation, its explanation, a what-if replay)."""
