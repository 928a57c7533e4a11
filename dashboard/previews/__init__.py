"""Link previews: the Open Graph and Twitter-card tags a shared link's page carries for its view,
and the PNG they point at (see the README's "Link previews")."""
