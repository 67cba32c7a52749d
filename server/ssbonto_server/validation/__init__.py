"""Study validation as a service: a pool of validator processes (pool) under a deadline and a cap on
concurrent validations, each process (worker) holding the served release's ontology, knowledge graph
and shapes (ssbonto.answers.validation), killed and replaced when a validation passes the deadline."""
