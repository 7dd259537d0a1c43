"""`vanguard`: the command line of committee members, secretaries and operators."""
