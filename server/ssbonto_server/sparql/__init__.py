"""The SPARQL 1.1 Protocol: the endpoint (routing, parameters, negotiation), the pool of query
processes that run queries under a deadline, result formats, the service description and the
answer cache in front of it all."""
