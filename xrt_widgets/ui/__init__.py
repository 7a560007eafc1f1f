"""The widget half: views and the parts they are made of."""
