"""Pulumi ComponentResources: resources are built inside them, when a program calls them."""
