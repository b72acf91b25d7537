"""Twitch: followed categories, the Helix client and the public /streams page."""
