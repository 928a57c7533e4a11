"""Changes to the live data as they happen, for people who do not keep the page open: an Atom
feed (``feed.atom``, with a link's filters) and webhooks, both read from the store's batch log
(see the README's "Feeds" and "Webhooks")."""
