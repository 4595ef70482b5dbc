"""Small widgets shared by LRS Desk's screens."""
