"""The plain mechanics of scoring's stream, without faust: the deterministic merge of a
partition's two inputs (`merge`), what a partition has applied (`progress`), and a close's
requests, replies and publication (`closing`)."""
