"""Page views, one module per area; rectification/urls.py names them."""
