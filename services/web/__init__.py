"""The web app (网页端): pages for the committee, branch secretaries, members and the public,
rendered on the server from what the SDK reads over gRPC; its only data of its own are the
sign-in accounts (web.accounts)."""
