"""The pledges read model: pledges and feedback as the public, members and branches see them."""
