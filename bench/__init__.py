"""Benchmarks: each module is a script (see its docstring); standin.py is their shared stand-in."""
