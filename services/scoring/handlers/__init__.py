"""Scoring's service layer, one module per agent's job: the inputs applied to the ledgers
(`inputs`), close requests asked and answered per partition (`close_requests`), partition
replies collected into publications (`replies`). Plain Python over the tables and ports in
`state` and `ports`: no faust, no Kafka client; the agents that feed them are in
scoring.entrypoints.agents, what they send through in scoring.adapters."""
