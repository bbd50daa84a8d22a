"""Everything that talks to Label Studio, and nothing else does: the client, the managed
server, push, pull, the review round and accounts. Holds httpx and label-studio-sdk,
imported only when a command needs a server."""
