"""HTTP beside the page: the read API under ``/api/v1/`` (see the README's "Read API").

:mod:`.views` is what every route shares with the page: the view a query describes, the rows
the Monitor page shows for it, the data version answers are validated by, the ``400`` answer.
"""
