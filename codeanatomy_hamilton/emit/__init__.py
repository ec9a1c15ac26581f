"""Emit: the contract tables assembled as lazy streams from the fragments and the
cross-file results."""
