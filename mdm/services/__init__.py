"""The hub's writes. Every change to golden data goes through a function here."""
