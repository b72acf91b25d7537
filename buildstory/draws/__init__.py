"""Verifiable prize draws: the shuffle, running a draw, and `flask draws verify`."""
