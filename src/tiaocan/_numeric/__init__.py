"""Numerical cores in pure numpy/scipy; nothing here imports the rest of tiaocan."""
