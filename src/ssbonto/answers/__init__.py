"""Read-side services over ssbonto's sources and releases that the command line and the server
both call: validating another lab's study description (`validation`), and, as they come, search,
the technique advisor, contributions and release diffs. They never write a release."""
