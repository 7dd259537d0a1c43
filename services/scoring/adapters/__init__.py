"""Adapters of scoring to the world outside its handlers: faust (`faust_app`, the one module
that reaches into faust's internals), the topics it sends to (`outputs`, `emitted`,
`dead_letters`), pledges over gRPC (`pledges_head`), the broker's topics (`broker_watch`)."""
